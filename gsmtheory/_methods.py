r"""Method registries: one per question, each method one file that the registry discovers.

A question (a Poincaré constant, a loss value, a covariance, an estimator) is answered by one of
several methods. Each method is a frozen :class:`Method` record — its ``name``, a one-line
``summary``, ``applies(problem)`` (None when it applies, otherwise *why not*, in words), ``run``
and its ``theory`` (:class:`Theory`: the order of a discretisation, the side of a bound) —
defined as ``METHOD`` (or ``METHODS``, a tuple) in a module of the question's package whose name
starts with a given prefix (``_solve_`` for Poincaré methods). :func:`discover` imports those
modules and orders their methods by ``priority``, so adding a method is one new file and nothing
else. :class:`Registry` chooses: ``"auto"`` takes the first method with ``auto`` set that
applies; a name forces that method and raises its reason, in one line, when it does not apply.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from gsmtheory._errors import SpecError

__all__ = ["SIDES", "Method", "Registry", "Theory", "discover", "question_attribute"]

P = TypeVar("P")

#: what a method's number is: the value itself, a bound from one side, or a bracket
SIDES: tuple[str, ...] = ("exact", "estimate", "lower_bound", "upper_bound", "bracket")


@dataclass(frozen=True)
class Theory:
    """What is known of a method before it runs.

    Attributes
    ----------
    side : str
        One of :data:`SIDES`: ``"exact"`` (a closed form), ``"estimate"`` (a value with an
        error estimate), or the side of a bound.
    order : float or None
        The declared convergence order of a discretisation in its mesh width (error ~ h^order);
        None for a method that is not a discretisation. The refinement ladder extrapolates at
        this order and checks the observed order against it.
    notes : str
        Anything else a user should know (where it is exact, what it assumes).

    Raises
    ------
    ValueError
        An unknown side, or an order that is not positive.

    Examples
    --------
    >>> from gsmtheory import Theory
    >>> Theory("estimate", order=2.0).order
    2.0
    >>> Theory("sideways")
    Traceback (most recent call last):
    ...
    ValueError: side 'sideways' is not one of exact, estimate, lower_bound, upper_bound, bracket
    """

    side: str = "estimate"
    order: float | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side {self.side!r} is not one of {', '.join(SIDES)}")
        if self.order is not None and not self.order > 0:
            raise ValueError(f"a declared order must be positive, got {self.order}")


@dataclass(frozen=True)
class Method(Generic[P]):
    """One way to answer a question about a problem of type ``P``.

    Attributes
    ----------
    name : str
        The ``method=`` value (and the command line's ``--method``) that forces it.
    applies : callable
        ``applies(problem)`` → None when the method applies, else a one-line reason.
    run : callable
        Computes the answer; its signature is the question's (Poincaré:
        ``run(problem, rtol, quick) -> PoincareResult``).
    summary : str
        One line for the documentation, ``--help`` and the error that lists the methods.
    theory : Theory
        Order and side, stored on the object.
    priority : float
        Registries order their methods by it (lower first): ``"auto"`` tries them in that
        order.
    auto : bool
        Whether ``"auto"`` may choose it (False: only when forced by name).
    lifted : bool or None
        Which problems it answers for: False (the default) those without a lift, True those that
        carry one (a CTLD lift, :class:`gsmtheory.solve.Lift`), None both. The registry checks
        it before ``applies``, so a method's ``applies`` never has to.

    Raises
    ------
    ValueError
        A name that is empty, not a word, or ``"auto"``.

    Examples
    --------
    >>> from gsmtheory import Method, Theory
    >>> m = Method("closed", lambda p: None if p == "gaussian" else "not a Gaussian",
    ...            lambda p, rtol, quick: 1.0, "closed form", Theory("exact"), priority=1)
    >>> m.applies("gaussian") is None, m.applies("mixture")
    (True, 'not a Gaussian')
    """

    name: str
    applies: Callable[[P], str | None]
    run: Callable[..., Any]
    summary: str = ""
    theory: Theory = field(default_factory=Theory)
    priority: float = 100.0
    auto: bool = True
    lifted: bool | None = False

    def __post_init__(self) -> None:
        if not self.name or self.name == "auto" or not self.name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"method name {self.name!r} must be a word other than 'auto'")

    def why_not(self, problem: Any) -> str | None:
        """None when the method answers for ``problem``: the lift matches, then ``applies``."""
        has_lift = getattr(problem, "lift", None) is not None
        if self.lifted is not None and has_lift != self.lifted:
            return (f"{self.name} answers for lifted problems only (a [ctld] table, or lift=True)" if self.lifted
                    else f"{self.name} answers for the un-lifted target, and this problem carries a CTLD lift "
                         "(--no-lift, lift=False)")
        return self.applies(problem)


@dataclass(frozen=True)
class Registry(Generic[P]):
    """The methods of one question, in the order ``"auto"`` tries them (ascending ``priority``).

    Attributes
    ----------
    question : str
        What the methods answer (``"poincare"``), for messages.
    methods : tuple of Method
        The registered methods; sorted by priority on construction.

    Raises
    ------
    ValueError
        Two methods with the same name.

    Examples
    --------
    >>> from gsmtheory import Method, Registry
    >>> slow = Method("slow", lambda p: None, lambda p: "slow answer", priority=10)
    >>> fast = Method("fast", lambda p: None if p > 0 else "needs p > 0", lambda p: "fast answer", priority=1)
    >>> reg = Registry("toy", (slow, fast))
    >>> reg.names()
    ('fast', 'slow')
    >>> reg.choose(3).name, reg.choose(-1).name
    ('fast', 'slow')
    """

    question: str
    methods: tuple[Method[P], ...]

    def __post_init__(self) -> None:
        names = [m.name for m in self.methods]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"{self.question}: method names registered twice: {', '.join(dup)}")
        object.__setattr__(self, "methods", tuple(sorted(self.methods, key=lambda m: m.priority)))

    def __iter__(self) -> Iterator[Method[P]]:
        return iter(self.methods)

    def names(self) -> tuple[str, ...]:
        """The names, in ``"auto"`` order."""
        return tuple(m.name for m in self.methods)

    def get(self, name: str) -> Method[P]:
        """The method called ``name``; an unknown name lists the registered ones."""
        for m in self.methods:
            if m.name == name:
                return m
        raise SpecError(f"unknown {self.question} method {name!r}",
                        f"use 'auto' or one of {', '.join(self.names())}")

    def choose(self, problem: P, method: str = "auto") -> Method[P]:
        """The method to run: the named one (its reason raised if it does not apply), or the
        first that applies among those ``"auto"`` may take (all reasons raised if none does)."""
        if method != "auto":
            chosen = self.get(method)
            reason = chosen.why_not(problem)
            if reason is not None:
                raise SpecError(reason, f"use method 'auto' or another {self.question} method")
            return chosen
        reasons = []
        has_lift = getattr(problem, "lift", None) is not None
        for m in self.methods:
            if m.auto and (m.lifted is None or m.lifted == has_lift):
                reason = m.why_not(problem)
                if reason is None:
                    return m
                reasons.append(f"{m.name}: {reason}")
        raise SpecError(f"no registered {self.question} method applies ({'; '.join(reasons)})",
                        f"add a {self.question} method (one file) for this case")

    def names_for(self, lifted: bool) -> tuple[str, ...]:
        """The names of the methods that answer for problems with (``lifted``) or without a lift."""
        return tuple(m.name for m in self.methods if m.lifted is None or m.lifted == lifted)

    def with_method(self, method: Method[P]) -> Registry[P]:
        """A registry with ``method`` added (tests register toys this way)."""
        return replace(self, methods=(*self.methods, method))


def question_attribute(question: str) -> str:
    """The name under which any module of the package may add methods of ``question`` (``LOSS_METHODS``)."""
    return "".join(c for c in question.upper().replace("É", "E") if c.isalnum() or c == "_") + "_METHODS"


def discover(package: str, prefix: str, question: str) -> Registry[Any]:
    """Every ``METHOD`` / ``METHODS`` of the modules ``package.<prefix>*``, and every
    ``<QUESTION>_METHODS`` (:func:`question_attribute`, e.g. ``LOSS_METHODS``) of any module of the
    package, as a :class:`Registry`.

    The second form lets the one file of a lift hold its methods for several questions (the CTLD
    Poincaré and loss methods in ``solve/_solve_ctld.py``). A module that defines none is skipped;
    one that fails to import raises (a broken method must not silently vanish from ``"auto"``).
    """
    pkg = importlib.import_module(package)
    found: list[Method[Any]] = []
    extra = question_attribute(question)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not info.name.startswith("_") or info.name.startswith("__"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        if info.name.startswith(prefix):
            one = getattr(module, "METHOD", None)
            found += [one] if one is not None else list(getattr(module, "METHODS", ()))
        found += list(getattr(module, extra, ()))
    return Registry(question, tuple(found))
