"""Benchmarks: each module runs a reference in the same process and reports ratios (no timed asserts)."""
