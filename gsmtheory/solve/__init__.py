"""Spec-level numerics: the one place a symbolic spec meets the arrays-only solvers.

It compiles a spec's pieces (ℓ, D, log r(β), the loss integrands) and dispatches to a solver of
:mod:`gsmtheory.numeric`: :func:`poincare_constant` through the ordered solver registry
(:func:`poincare_methods`: every ``_solve_<name>.py`` file defines a :class:`gsmtheory.Method`), the CTLD lift
of a spec (:func:`ctld_poincare_spec`, :func:`ctld_loss_spec`), and the GSM loss of a derived
:class:`gsmtheory.symbolic.GSMLoss` (:func:`evaluate_gsm_loss`).
"""

from gsmtheory.numeric import PoincareResult
from gsmtheory.solve._ctld_spec import LiftedResult, ctld_loss_spec, ctld_poincare_spec
from gsmtheory.solve._loss_eval import LOSS_METHODS, LossEvaluation, evaluate_gsm_loss
from gsmtheory.solve._poincare import poincare_constant
from gsmtheory.solve._problem import PoincareProblem, poincare_problem
from gsmtheory.solve._registry import poincare_methods, solver_names
from gsmtheory.solve._schedule import ctld_schedule

#: ``method=`` values of :func:`poincare_constant` ("auto" and the registered solvers)
POINCARE_METHODS: tuple[str, ...] = ("auto", *solver_names())

__all__ = [
    "LOSS_METHODS",
    "POINCARE_METHODS",
    "LiftedResult",
    "LossEvaluation",
    "PoincareProblem",
    "PoincareResult",
    "ctld_loss_spec",
    "ctld_poincare_spec",
    "ctld_schedule",
    "evaluate_gsm_loss",
    "poincare_constant",
    "poincare_methods",
    "poincare_problem",
    "solver_names",
]
