"""One JSON converter serves every writer (command line, sweep store, records)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from gsmtheory._json import plain


def test_numbers_arrays_tensors_and_records_become_plain_values() -> None:
    class Record:
        def to_dict(self) -> dict[str, object]:
            return {"value": np.float64(2.5), "ok": np.bool_(True)}

    out = plain({"a": np.array([[1, 2]]), "t": torch.tensor([0.5, 1.5]), "s": torch.tensor(3.0),
                 "c": (np.int64(3), 1 + 2j), "r": Record()})
    assert out == {"a": [[1, 2]], "t": [0.5, 1.5], "s": 3.0,
                   "c": [3, {"real": 1.0, "imag": 2.0}], "r": {"value": 2.5, "ok": True}}
    assert type(out["r"]["ok"]) is bool and type(out["c"][0]) is int


def test_non_finite_floats_become_strings_only_when_asked() -> None:
    values = [math.inf, -math.inf, math.nan, np.float64("inf")]
    assert json.dumps(plain(values, finite=True), allow_nan=False) == '["inf", "-inf", "nan", "inf"]'
    assert math.isinf(plain(values)[0])
    with pytest.raises(TypeError, match="object is not JSON-able"):
        plain(object())
