"""The spec level: poincare / loss / efficiency / fit of a spec on one problem, the lift decided once (docs/design.md §3)."""

from gsmtheory.api._questions import as_dict, efficiency, fit, lifts, loss, poincare, problem

__all__ = ["as_dict", "efficiency", "fit", "lifts", "loss", "poincare", "problem"]
