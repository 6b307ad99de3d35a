"""The problem layer: a spec becomes one compiled :class:`Problem`, and each question has a registry.

:func:`build_problem` is the one place symbolic objects become compiled callables (the target,
D, the model, and the CTLD :class:`Lift` a problem may carry). The Poincaré question
(:func:`poincare_constant`) asks :func:`poincare_methods` (every ``_solve_<name>.py`` file defines
a :class:`gsmtheory.Method`), the loss question (:func:`evaluate_loss`) asks :func:`loss_methods`
(every ``_loss_<name>.py``); methods for lifted problems only are marked ``lifted=True``, those that
answer both ``lifted=None`` (docs/design.md §3, docs/architecture.md).
"""

from gsmtheory.solve._lift import (
    Lift,
    LiftFace,
    ctld_schedule,
    joint_points,
    log_r_derivatives,
)
from gsmtheory.solve._loss_question import (
    LossEvaluation,
    LossOptions,
    evaluate_gsm_loss,
    evaluate_loss,
    loss_methods,
    loss_points,
)
from gsmtheory.solve._loss_torch import torch_mc_loss
from gsmtheory.solve._poincare import poincare_constant, poincare_methods, solver_names
from gsmtheory.solve._problem import Problem, build_problem, sample_target
from gsmtheory.solve._problem_target import split_points, target_expectation

__all__ = [
    "Lift",
    "LiftFace",
    "LossEvaluation",
    "LossOptions",
    "Problem",
    "build_problem",
    "ctld_schedule",
    "evaluate_gsm_loss",
    "evaluate_loss",
    "joint_points",
    "log_r_derivatives",
    "loss_methods",
    "loss_points",
    "poincare_constant",
    "poincare_methods",
    "sample_target",
    "solver_names",
    "split_points",
    "target_expectation",
    "torch_mc_loss",
]
