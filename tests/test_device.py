"""Tests of gsmtheory/_device.py.

Device selection and device-sized batches (CPU here; no GPU needed)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory import GSMError, _device
from gsmtheory.numeric import batch_size, resolve_device


def test_resolve_device(monkeypatch):
    assert resolve_device("cpu") == "cpu" == resolve_device(" CPU ")
    monkeypatch.setattr(_device, "_cuda_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(GSMError, match="no CUDA device"):
        resolve_device("cuda")
    monkeypatch.setattr(_device, "_cuda_available", lambda: True)
    assert resolve_device("auto") == "cuda" and resolve_device("cuda:1") == "cuda:1"
    for bad in ("tpu", "cuda:x", "", 3):
        with pytest.raises(GSMError, match="device"):
            resolve_device(bad)


def test_auto_matches_this_machine():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


def test_batch_size_exact_cases():
    assert batch_size("cpu", 100, free_bytes=4_000_000, fraction=0.5) == 20_000
    assert batch_size("cpu", 100, free_bytes=10) == 1024  # floor
    assert batch_size("cpu", 1, free_bytes=1 << 40, maximum=5000) == 5000  # cap
    assert batch_size("cpu", 8 * 64) >= 1024  # reads the free memory
    for kwargs in ({"bytes_per_sample": 0}, {"bytes_per_sample": 8, "fraction": 0.0},
                   {"bytes_per_sample": 8, "maximum": 0}):
        with pytest.raises(GSMError):
            batch_size("cpu", **kwargs)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 10_000), st.integers(0, 1 << 36), st.integers(0, 1 << 36), st.integers(1, 1 << 25))
def test_batch_size_is_monotone_and_bounded(per_sample, free_a, free_b, maximum):
    lo, hi = sorted((free_a, free_b))
    a = batch_size("cpu", per_sample, free_bytes=lo, maximum=maximum)
    b = batch_size("cpu", per_sample, free_bytes=hi, maximum=maximum)
    assert min(1024, maximum) <= a <= b <= maximum
