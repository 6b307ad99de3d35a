"""Compile layer: SymPy expressions → NumPy / torch / mpmath callables (explicit translation table)."""

from gsmtheory.compile._compile import CompiledFunction, compile_all, compile_expr
from gsmtheory.compile._translate import BACKENDS, TRANSLATION

__all__ = ["BACKENDS", "TRANSLATION", "CompiledFunction", "compile_all", "compile_expr"]
