"""The spec level: poincare / loss / efficiency / fit of a spec, lifting decided once (docs/design.md §3)."""

from gsmtheory.api._questions import Answer, efficiency, fit, lifts, loss, poincare

__all__ = ["Answer", "efficiency", "fit", "lifts", "loss", "poincare"]
