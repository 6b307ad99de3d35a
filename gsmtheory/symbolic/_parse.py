"""Safe expression parsing: text → SymPy, through a whitelist, never through ``eval``.

The text is parsed by :func:`ast.parse` (which only builds a syntax tree) and the tree is
walked node by node; only numbers, declared names, the arithmetic operators and the
whitelisted functions below are accepted. Anything else (attribute access, subscripts,
lambdas, comprehensions, dunder names, keyword arguments, strings) is rejected with a
:class:`~gsmtheory.SpecError` that names the offending piece.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping

import sympy as sp

from gsmtheory._errors import SpecError

__all__ = ["ALLOWED_FUNCTIONS", "MAX_DIGITS", "MAX_MAGNITUDE", "MAX_SYMBOLIC_POWER", "check_magnitude",
           "parse_expression"]

#: the functions a spec may call, by the name it uses
ALLOWED_FUNCTIONS: Mapping[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "atan": sp.atan,
    "erf": sp.erf,
    "Abs": sp.Abs,
    "abs": sp.Abs,
    "sign": sp.sign,
    "Min": sp.Min,
    "Max": sp.Max,
    "min": sp.Min,
    "max": sp.Max,
    "logaddexp": lambda a, b: sp.log(sp.exp(a) + sp.exp(b)),
    "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
}
_CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
_MAX_LENGTH = 20_000
_MAX_NODES = 5_000
_MAX_POWER = 10_000
#: the largest |number| a spec may hold or compute from its literals (constants, literals, 10**k):
#: beyond it float64 arithmetic on the density overflows (a constant of 1e308 squared is inf)
MAX_MAGNITUDE = 1e100
#: the most digits an integer literal or constant may have (a 400-digit number is a typo or an attack)
MAX_DIGITS = 30
#: |n| above which x**n (x symbolic) is refused: expanding and differentiating (x - a)**n costs
#: time linear in n (n = 120 already takes ~10 s to derive) and n = 9999 would hang `derive`
MAX_SYMBOLIC_POWER = 256


def check_magnitude(value: object, what: str) -> None:
    """Raise :class:`SpecError` when the number ``value`` has more than :data:`MAX_DIGITS` digits
    (an integer) or a magnitude beyond :data:`MAX_MAGNITUDE`; anything else passes.

    Every number of a spec goes through it — constants, ``--const`` and ``--at`` values,
    literals and the numbers SymPy computes from them — so that float64 arithmetic on the
    density cannot overflow silently (a constant of 1e308, ``10**9999*x``).

    Parameters
    ----------
    value : object
        A number (int, float, SymPy number); anything else passes unchecked.
    what : str
        What the number is, for the message (``"constant beta"``).

    Raises
    ------
    SpecError
        Too many digits, or beyond ±1e100.

    Examples
    --------
    >>> from gsmtheory.symbolic import check_magnitude
    >>> check_magnitude(1e5, "beta")
    >>> check_magnitude(1e308, "beta")
    Traceback (most recent call last):
    ...
    gsmtheory._errors.SpecError: beta = 1e+308 is beyond ±1e+100; keep the spec's numbers within ±1e+100 (rescale the coordinates or the constants)
    """
    if isinstance(value, bool):
        return
    if isinstance(value, int | sp.Integer):
        digits = len(str(abs(int(value)))) if abs(int(value)) < 10 ** (MAX_DIGITS + 1) else MAX_DIGITS + 1
        if digits > MAX_DIGITS:
            raise SpecError(f"{what} is an integer of more than {MAX_DIGITS} digits",
                            f"write it with at most {MAX_DIGITS} digits (e.g. 1.5e20)")
    try:
        size = abs(float(value))  # type: ignore[arg-type]
    except OverflowError:
        size = math.inf
    except (TypeError, ValueError):
        return
    if size > MAX_MAGNITUDE:
        shown = f" = {float(value):.4g}" if math.isfinite(size) else ""  # type: ignore[arg-type]
        raise SpecError(f"{what}{shown} is beyond ±{MAX_MAGNITUDE:g}",
                        f"keep the spec's numbers within ±{MAX_MAGNITUDE:g} (rescale the coordinates or the constants)")


def _fail(text: str, problem: str, fix: str) -> SpecError:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return SpecError(f"in expression {shown!r}: {problem}", fix)


def parse_expression(
    text: str | float | int,
    names: Mapping[str, sp.Expr],
    *,
    what: str = "expression",
    declare: str = "coords, [constants] or [model].params",
) -> sp.Expr:
    """Parse ``text`` into a SymPy expression over the declared ``names`` only.

    Parameters
    ----------
    text : str or number
        An arithmetic expression such as ``"-(x**2 - 1)**2"``; numbers pass through.
    names : mapping
        Declared names (coordinates, parameters, constants) and what they stand for.
    what : str
        What the expression is, for error messages (e.g. ``"log_density"``).
    declare : str
        Where an unknown name should be declared, for its error message.

    Returns
    -------
    Expr
        The expression; decimal literals are exact rationals (``0.8`` is 4/5).

    Raises
    ------
    SpecError
        Unknown names, disallowed syntax or functions, malformed text, numbers out of
        bounds (:func:`check_magnitude`), powers too large to derive.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import parse_expression
    >>> x = sp.Symbol("x")
    >>> parse_expression("-(x^2 - 1)**2 + 0.5*x", {"x": x})
    x/2 - (x**2 - 1)**2
    >>> parse_expression("__import__('os')", {"x": x})
    Traceback (most recent call last):
    ...
    gsmtheory._errors.SpecError: in expression "__import__('os')": function '__import__' is not allowed; ...
    """
    if isinstance(text, bool):
        raise SpecError(f"{what} is a boolean", "write a number or an expression in quotes")
    if isinstance(text, int | float):
        if text != text or text in (float("inf"), float("-inf")):
            raise SpecError(f"{what} is {text}", "write a finite number")
        check_magnitude(text, what)
        return sp.Integer(text) if isinstance(text, int) else sp.Rational(repr(float(text)))
    if not isinstance(text, str):
        raise SpecError(f"{what} must be a string or a number, got {type(text).__name__}",
                        "write the expression in quotes")
    if len(text) > _MAX_LENGTH:
        raise SpecError(f"{what} is {len(text)} characters long", f"keep expressions under {_MAX_LENGTH}")
    if not text.strip():
        raise SpecError(f"{what} is empty", "write an expression such as \"-x**2/2\"")
    source = text.replace("^", "**")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        msg = getattr(exc, "msg", None) or type(exc).__name__
        raise _fail(text, f"not a valid {what} ({msg})", "check the parentheses and operators") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > _MAX_NODES:
        raise _fail(text, f"{count} syntax nodes", f"keep {what} under {_MAX_NODES} nodes")
    try:
        return _Walker(text, names, what, declare).visit(tree.body)
    except RecursionError:
        raise _fail(text, "nested too deeply", "simplify the expression") from None


class _Walker:
    def __init__(self, text: str, names: Mapping[str, sp.Expr], what: str, declare: str) -> None:
        self.text, self.names, self.what, self.declare = text, names, what, declare

    def visit(self, node: ast.AST) -> sp.Expr:
        method = getattr(self, f"_visit_{type(node).__name__}", None)
        if method is None:
            raise _fail(self.text, f"{type(node).__name__} syntax is not allowed",
                        "use numbers, declared names, + - * / ** and whitelisted functions")
        return method(node)

    def _visit_Constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(self.text, f"literal {value!r} is not a number", "use numbers only")
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise _fail(self.text, "a non-finite number", "write a finite number")
            self._magnitude(value)
            return sp.Rational(repr(value))  # decimal literals are exact: 0.8 means 4/5
        self._magnitude(value)
        return sp.Integer(value)

    def _magnitude(self, value: object) -> None:
        try:
            check_magnitude(value, f"a number in {self.what}")
        except SpecError as exc:
            shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
            raise SpecError(f"in expression {shown!r}: {exc}") from None

    def _visit_Name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        if name.startswith("_"):
            raise _fail(self.text, f"name {name!r} is not allowed", "names may not start with '_'")
        if name in self.names:
            return self.names[name]
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in ALLOWED_FUNCTIONS:
            raise _fail(self.text, f"function {name!r} used without arguments", f"write {name}(...)")
        declared = ", ".join(sorted(self.names)) or "none"
        raise _fail(self.text, f"unknown name {name!r}",
                    f"declare it in {self.declare} (declared: {declared})")

    def _visit_UnaryOp(self, node: ast.UnaryOp) -> sp.Expr:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise _fail(self.text, f"operator {type(node.op).__name__} is not allowed", "use + - * / **")

    def _visit_BinOp(self, node: ast.BinOp) -> sp.Expr:
        left, right = self.visit(node.left), self.visit(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return self._checked(left + right)
        if isinstance(op, ast.Sub):
            return self._checked(left - right)
        if isinstance(op, ast.Mult):
            return self._checked(left * right)
        if isinstance(op, ast.Div):
            if right == 0:
                raise _fail(self.text, "division by zero", "fix the denominator")
            return self._checked(left / right)
        if isinstance(op, ast.Pow):
            if right.is_number and left.is_number and left not in (0, 1, -1):
                if abs(complex(sp.N(right))) > _MAX_POWER:
                    raise _fail(self.text, "a numeric power too large to represent",
                                f"keep exponents of numbers under {_MAX_POWER}")
            if left == 0 and right.is_number and bool(sp.re(right) < 0):
                raise _fail(self.text, "zero to a negative power", "fix the expression")
            if (not left.is_number and right.is_number and right.is_real
                    and abs(float(right)) > MAX_SYMBOLIC_POWER):
                raise SpecError(f"expression too large to derive: {self.what} raises {left} to the power "
                                f"{right}", f"keep exponents of symbolic terms within ±{MAX_SYMBOLIC_POWER}")
            if left.is_number and right.is_number and left not in (0, 1, -1) and right.is_real:
                # |left|**right without building it: 10**9999 has 10000 digits
                log10 = float(right) * math.log10(abs(complex(sp.N(left))))
                if log10 > math.log10(MAX_MAGNITUDE):
                    raise _fail(self.text, f"{left}**{right} is about 1e{log10:.0f}, beyond ±{MAX_MAGNITUDE:g}",
                                f"keep the spec's numbers within ±{MAX_MAGNITUDE:g}")
            return self._checked(left**right)
        raise _fail(self.text, f"operator {type(op).__name__} is not allowed", "use + - * / **")

    def _checked(self, value: sp.Expr) -> sp.Expr:
        """A number computed from literals must stay within ±MAX_MAGNITUDE too (1e99*1e99), and so
        must the numeric coefficient SymPy gathers in a product (x*1e99*1e99 is 1e198*x)."""
        if value.is_number:
            if value.is_real and value.is_finite:
                self._magnitude(sp.N(value, 20))
        elif isinstance(value, sp.Mul):
            coeff = value.as_coeff_Mul()[0]
            if coeff.is_Rational or coeff.is_Float:
                self._magnitude(sp.N(coeff, 20))
        return value

    def _visit_Call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            what = "attribute access" if isinstance(node.func, ast.Attribute) else type(node.func).__name__
            raise _fail(self.text, f"calling through {what} is not allowed",
                        f"call one of: {', '.join(sorted(ALLOWED_FUNCTIONS))}")
        name = node.func.id
        if name not in ALLOWED_FUNCTIONS:
            raise _fail(self.text, f"function {name!r} is not allowed",
                        f"use one of: {', '.join(sorted(ALLOWED_FUNCTIONS))}")
        if node.keywords:
            raise _fail(self.text, "keyword arguments are not allowed", "pass arguments by position")
        args = [self.visit(a) for a in node.args]
        if name in ("Min", "Max", "min", "max") and len(args) < 2:
            raise _fail(self.text, f"{name} needs at least two arguments", f"write {name}(x, 1)")
        try:
            return ALLOWED_FUNCTIONS[name](*args)
        except TypeError:
            raise _fail(self.text, f"wrong number of arguments to {name}", "check the call") from None
