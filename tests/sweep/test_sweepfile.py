"""Sweep files: grid expansion, the spec hash, and one-line errors for bad input."""

from __future__ import annotations

import itertools
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory import GSMError
from gsmtheory.sweep import expand_grid, load_sweep, parse_sweep

GOOD = 'spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = [1.0, 2.0, 3.0]\n'


def test_grid_product_order_and_keys(write_sweep):
    sweep = load_sweep(write_sweep({"work": [10, 20], "s": [0.5, 1.0, 2.0]}))
    points = expand_grid(sweep)
    assert sweep.n_points == 6 == len(points)
    assert [p.params for p in points] == [{"work": w, "s": s}
                                          for w, s in itertools.product([10, 20], [0.5, 1.0, 2.0])]
    assert points[0].key == '{"s":0.5,"work":10}'  # canonical: sorted keys, compact
    assert sweep.spec_name == "spec"
    assert "work = 1000" in sweep.spec_text


def test_catalogue_spec_and_hash_identity():
    a, b = parse_sweep(GOOD), parse_sweep(GOOD)
    assert a.spec_name == "gaussian"
    assert a.spec_hash == b.spec_hash and len(a.spec_hash) == 64
    # the hash names the computation: another task, options or spec text is another sweep
    opts = parse_sweep(GOOD + "[task_options]\nsleep = 0.0\n")
    assert opts.spec_hash != a.spec_hash
    # the grid is not part of the hash: a wider grid reuses the finished points
    wider = parse_sweep(GOOD.replace("[1.0, 2.0, 3.0]", "[1.0, 2.0, 3.0, 4.0]"))
    assert wider.spec_hash == a.spec_hash
    loss = parse_sweep(GOOD.replace('"selftest"', '"loss"') + "[task_options]\nat = [{mu = 0.5}]\n")
    assert loss.spec_hash not in (a.spec_hash, opts.spec_hash)


def test_scalar_grid_value_is_a_one_point_list():
    sweep = parse_sweep('spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = 2.0\n')
    assert [p.params for p in expand_grid(sweep)] == [{"sigma": 2.0}]


BAD = [
    ("malformed", 'spec = "gaussian"\ntask = \n', "malformed TOML"),
    ("no spec", 'task = "selftest"\n[grid]\nsigma = [1.0]\n', "missing 'spec'"),
    ("no task", 'spec = "gaussian"\n[grid]\nsigma = [1.0]\n', "missing 'task'"),
    ("unknown task", 'spec = "gaussian"\ntask = "nonsense"\n[grid]\nsigma = [1.0]\n', "unknown task 'nonsense'"),
    ("unknown key", 'colour = "red"\n' + GOOD, "unknown key(s) colour"),
    ("unknown constant", 'spec = "gaussian"\ntask = "selftest"\n[grid]\nbeta = [1.0]\n',
     "unknown constant 'beta' in the grid"),
    ("empty grid", 'spec = "gaussian"\ntask = "selftest"\n[grid]\n', "the grid is empty"),
    ("no grid", 'spec = "gaussian"\ntask = "selftest"\n', "the grid is empty"),
    ("empty values", 'spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = []\n', "has no values"),
    ("text value", 'spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = ["big"]\n', "not a finite number"),
    ("bool value", 'spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = [true]\n', "not a finite number"),
    ("nan value", 'spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = [nan]\n', "not a finite number"),
    ("repeated", 'spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = [1, 1.0]\n', "repeats a value"),
    ("grid not table", 'spec = "gaussian"\ntask = "selftest"\ngrid = 3\n', "[grid] must be a table"),
    ("no such spec", 'spec = "nowhere.toml"\ntask = "selftest"\n[grid]\nsigma = [1.0]\n',
     "neither a file"),
    ("spec not text", 'spec = 3\ntask = "selftest"\n[grid]\nsigma = [1.0]\n', "'spec' must be"),
    ("bad option", GOOD + "[task_options]\ncolour = 1\n", "takes no option(s) colour"),
    ("loss needs at", 'spec = "gaussian"\ntask = "loss"\n[grid]\nsigma = [1.0]\n', "needs [task_options] at"),
    ("loss at shape", 'spec = "gaussian"\ntask = "loss"\n[grid]\nsigma = [1.0]\n[task_options]\nat = [1.0]\n',
     "non-empty list of tables"),
    ("huge grid", 'spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = [' +
     ", ".join(str(i + 1) for i in range(1001)) + "]\n", None),
]


@pytest.mark.parametrize(("text", "fragment"), [(t, f) for _, t, f in BAD], ids=[n for n, _, _ in BAD])
def test_bad_sweep_files_raise_one_line(text, fragment):
    if fragment is None:  # 1001 points is fine; the limit is a million
        assert parse_sweep(text).n_points == 1001
        return
    with pytest.raises(GSMError) as info:
        parse_sweep(text, source="bad.toml")
    message = str(info.value)
    assert "\n" not in message
    assert fragment in message, message
    assert message.startswith("sweep bad.toml: ")


def test_broken_spec_is_reported_once(tmp_path):
    (tmp_path / "spec.toml").write_text('coords = ["x"]\nlog_density = "-x**"\n[constants]\na = 1.0\n')
    (tmp_path / "s.toml").write_text('spec = "spec.toml"\ntask = "selftest"\n[grid]\na = [1.0]\n')
    with pytest.raises(GSMError, match="spec 'spec'"):
        load_sweep(tmp_path / "s.toml")


def test_missing_sweep_file(tmp_path):
    with pytest.raises(GSMError, match="does not exist"):
        load_sweep(tmp_path / "absent.toml")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(-50, 50), min_size=1, max_size=4, unique=True), min_size=1, max_size=3))
def test_expansion_is_the_full_product(value_lists):
    names = ["s", "k", "work"][: len(value_lists)]
    grid = "\n".join(f"{n} = {v}" for n, v in zip(names, value_lists, strict=True))
    text = f'spec = "spec.toml"\ntask = "selftest"\n[grid]\n{grid}\n'
    spec = 'coords = ["x"]\nlog_density = "-x**2"\n[constants]\ns = 1.0\nk = 0.0\nwork = 1.0\n'
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "spec.toml").write_text(spec)
        sweep = parse_sweep(text, base=Path(d))
    points = expand_grid(sweep)
    assert len(points) == math.prod(len(v) for v in value_lists)
    assert len({p.key for p in points}) == len(points)
    assert {tuple(v for _, v in p.constants) for p in points} == set(itertools.product(*value_lists))
