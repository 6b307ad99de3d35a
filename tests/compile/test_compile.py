"""The compiler: three backends agree, torch keeps autograd, the translation table is explicit."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory import SpecError
from gsmtheory.compile import TRANSLATION, compile_expr
from gsmtheory.symbolic import gsm_loss, load_spec

x, y, a = sp.symbols("x y a", real=True)

ATOMS = [x, y, a, sp.Integer(2), sp.Rational(1, 3)]
UNARY = [sp.exp, sp.sin, sp.cos, sp.tanh, sp.atan, sp.erf, lambda e: sp.log(1 + e**2),
         lambda e: sp.sqrt(2 + e**2), sp.sinh, sp.Abs]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> sp.Expr:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(ATOMS))
    kind = draw(st.integers(0, 4))
    left = draw(expressions(depth - 1))
    if kind == 0:
        return left + draw(expressions(depth - 1))
    if kind == 1:
        return left * draw(expressions(depth - 1))
    if kind == 2:
        return draw(st.sampled_from(UNARY))(left)
    if kind == 3:
        return left ** draw(st.integers(-2, 3)) if left.free_symbols else left
    return sp.Max(left, draw(expressions(depth - 1)))


def _rel(u: float, v: float) -> float:
    return abs(u - v) / max(abs(u), abs(v), 1e-300)


# Coordinates are kept at 0 or |v| >= 1e-3: the generated expressions divide by them (sin(1/x)),
# and for x = 2e-311 float64 has 1/x = inf while 30-digit mpmath does not; even at x = 1e-6 the
# rounding of 1/x alone moves sin(1/x) by 1e-10, past the 1e-12 this test asks of the backends.
_COORD = st.floats(-2, 2).filter(lambda v: v == 0.0 or abs(v) >= 1e-3)


@settings(max_examples=60, deadline=None)
@given(expr=expressions(), pts=st.lists(st.tuples(_COORD, _COORD, st.floats(0.2, 2)), min_size=1, max_size=4))
def test_backends_agree(expr: sp.Expr, pts: list[tuple[float, float, float]]) -> None:
    f_np = compile_expr([x, y, a], expr, "numpy")
    f_t = compile_expr([x, y, a], expr, "torch")
    f_mp = compile_expr([x, y, a], expr, "mpmath")
    X, Y, A = (np.array(c) for c in zip(*pts, strict=True))
    with np.errstate(all="ignore"):
        v_np = np.broadcast_to(f_np(X, Y, A), X.shape)
    v_t = f_t(torch.tensor(X), torch.tensor(Y), torch.tensor(A)).detach().numpy()
    for i, (xi, yi, ai) in enumerate(pts):
        with mpmath.workdps(30):
            try:
                ref = complex(f_mp(xi, yi, ai))
            except (ZeroDivisionError, ValueError):
                continue
        if ref.imag != 0 or not np.isfinite(ref.real) or abs(ref.real) > 1e12:
            continue
        assert _rel(float(v_np[i]), ref.real) <= 1e-12 or abs(float(v_np[i]) - ref.real) < 1e-13
        assert _rel(float(v_t[i]), ref.real) <= 1e-12 or abs(float(v_t[i]) - ref.real) < 1e-13


def test_torch_gradients_match_sympy_derivatives() -> None:
    spec = load_spec("bimodal")
    loss = gsm_loss(spec.diffusion, spec.model)
    (xs,) = spec.diffusion.coords
    (theta,) = spec.model.params
    f = compile_expr([xs, theta], loss.implicit, "torch")
    grad = compile_expr([xs, theta], loss.theta_gradient[0], "numpy")
    dx = compile_expr([xs, theta], sp.diff(loss.implicit, xs), "numpy")
    pts = torch.linspace(-4, 4, 33, dtype=torch.float64, requires_grad=True)
    th = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    out = f(pts, th)
    gx, gth = torch.autograd.grad(out.sum(), (pts, th))
    np.testing.assert_allclose(gx.numpy(), dx(pts.detach().numpy(), 1.7), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(gth.item(), grad(pts.detach().numpy(), 1.7).sum(), rtol=1e-12)


def test_float64_and_device_follow_inputs() -> None:
    f = compile_expr([x], sp.exp(-x**2) + 3, "torch")
    out = f(torch.zeros(5, dtype=torch.float64))
    assert out.dtype == torch.float64 and out.shape == (5,)
    const = compile_expr([x], sp.Integer(3), "torch")(torch.zeros(4, dtype=torch.float64))
    assert const.shape == (4,) and float(const[0]) == 3.0
    if torch.cuda.is_available():  # pragma: no cover - exercised on a GPU machine
        gpu = f(torch.zeros(5, dtype=torch.float64, device="cuda"))
        assert gpu.device.type == "cuda"


def test_max_min_are_elementwise_not_reductions() -> None:
    f = compile_expr([x, y], [sp.Max(x, y), sp.Min(x, y, 0)], "torch")
    hi, lo = f(torch.tensor([1.0, -2.0], dtype=torch.float64), torch.tensor([0.5, 3.0], dtype=torch.float64))
    assert hi.tolist() == [1.0, 3.0]
    assert lo.tolist() == [0.0, -2.0]


def test_matrix_output_is_stacked_not_a_literal_tensor() -> None:
    M = sp.Matrix([[x, 1], [y, x * y]])
    f = compile_expr([x, y], M, "torch")
    X = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    out = f(X, torch.tensor([3.0, 4.0], dtype=torch.float64))
    assert out.shape == (2, 2, 2)
    out[..., 1, 1].sum().backward()  # autograd flows through matrix entries
    assert X.grad is not None and X.grad.tolist() == [3.0, 4.0]


def test_unsupported_function_is_named() -> None:
    with pytest.raises(SpecError, match="besselj"):
        compile_expr([x], sp.besselj(0, x))
    with pytest.raises(SpecError, match="not arguments"):
        compile_expr([x], x + y)


def test_translation_table_is_explicit() -> None:
    assert sp.Max in TRANSLATION and sp.Min in TRANSLATION
    assert set(TRANSLATION[sp.exp]) == {"numpy", "torch", "mpmath"}


def test_compiled_functions_are_cached() -> None:
    e = sp.exp(-(x - a) ** 2)
    assert compile_expr([x, a], e, "numpy") is compile_expr([x, a], e, "numpy")


def test_min_max_derivatives_and_piecewise_compile_on_every_backend() -> None:
    """genscore's D = min(x, c) and its relatives: Min/Max, their derivative (a Heaviside step) and
    SymPy's Piecewise (what simplify makes of sign/Abs) agree with SymPy's own values on all
    three backends, away from the kink (at the kink the step takes H0 = 1/2)."""
    pw = sp.simplify(sp.sign(x - 2) / 2 + sp.Abs(x))
    assert pw.has(sp.Piecewise)
    exprs = [sp.Min(x, 2), sp.Max(x, 1, -x), sp.diff(sp.Min(x, 2), x), pw]
    pts = [-1.5, 0.5, 1.5, 3.0]
    want = [[float(e.subs(x, v)) for e in exprs] for v in pts]
    got_np = compile_expr([x], exprs, "numpy")(np.array(pts))
    got_t = compile_expr([x], exprs, "torch")(torch.tensor(pts, dtype=torch.float64))
    f_mp = compile_expr([x], exprs, "mpmath")
    for i, v in enumerate(pts):
        for j in range(len(exprs)):
            assert got_np[j][i] == pytest.approx(want[i][j], rel=1e-15)
            assert float(got_t[j][i]) == pytest.approx(want[i][j], rel=1e-15)
            assert float(f_mp(v)[j]) == pytest.approx(want[i][j], rel=1e-15)
    assert compile_expr([x], sp.Heaviside(x - 2), "numpy")(np.array([2.0])) == 0.5


def test_a_point_mass_is_refused_by_name() -> None:
    """The second derivative of a kink is DiracDelta: a measure, not a function to integrate."""
    with pytest.raises(SpecError, match="point mass"):
        compile_expr([x], sp.diff(sp.Min(x, 2), x, 2))


def test_compile_advice_lists_only_what_a_spec_can_write() -> None:
    """The fix of an uncompilable function names spec functions, never SymPy internals."""
    with pytest.raises(SpecError) as err:
        compile_expr([x], sp.besselj(0, x))
    text = str(err.value)
    assert "Min" in text and "Max" in text and "sign" in text
    assert "Heaviside" not in text and "StrictGreaterThan" not in text and "And" not in text


# J D Jᵀ of a two-mean mixture model in d = 3 (the estimation layer's "jdj" for means (∓a, 0, 0)):
# SymPy 1.14's cse returns replacements that evaluate to -0.99977 here instead of -0.76894.
_JDJ = "v**2*((a - u)*exp(-v**2/2 - w**2/2 - (-a + u)**2/2) + (a + u)*exp(-v**2/2 - w**2/2 - (a + u)**2/2))**2*(-(exp(-v**2/2 - w**2/2 - (-a + u)**2/2) + exp(-v**2/2 - w**2/2 - (a + u)**2/2))/(exp(-(v**2 + w**2 + (a + u)**2)/2) + exp(-(v**2 + w**2 + (-a + u)**2)/2)) + 1)**2/(exp(-(v**2 + w**2 + (a + u)**2)/2) + exp(-(v**2 + w**2 + (-a + u)**2)/2))**2 + w**2*((a - u)*exp(-v**2/2 - w**2/2 - (-a + u)**2/2) + (a + u)*exp(-v**2/2 - w**2/2 - (a + u)**2/2))**2*(-(exp(-v**2/2 - w**2/2 - (-a + u)**2/2) + exp(-v**2/2 - w**2/2 - (a + u)**2/2))/(exp(-(v**2 + w**2 + (a + u)**2)/2) + exp(-(v**2 + w**2 + (-a + u)**2)/2)) + 1)**2/(exp(-(v**2 + w**2 + (a + u)**2)/2) + exp(-(v**2 + w**2 + (-a + u)**2)/2))**2 + (-(a - u)**2*exp(-v**2/2 - w**2/2 - (-a + u)**2/2) + (a + u)**2*exp(-v**2/2 - w**2/2 - (a + u)**2/2) + ((a - u)*exp(-v**2/2 - w**2/2 - (-a + u)**2/2) - (a + u)*exp(-v**2/2 - w**2/2 - (a + u)**2/2))*((a - u)*exp(-v**2/2 - w**2/2 - (-a + u)**2/2) + (a + u)*exp(-v**2/2 - w**2/2 - (a + u)**2/2))/(exp(-(v**2 + w**2 + (a + u)**2)/2) + exp(-(v**2 + w**2 + (-a + u)**2)/2)) + exp(-v**2/2 - w**2/2 - (-a + u)**2/2) - exp(-v**2/2 - w**2/2 - (a + u)**2/2))**2/(exp(-(v**2 + w**2 + (a + u)**2)/2) + exp(-(v**2 + w**2 + (-a + u)**2)/2))**2"


def test_repeated_subexpressions_are_computed_once_and_right() -> None:
    u, v, w, a = sp.symbols("u v w a", real=True)
    expr = sp.sympify(_JDJ, locals={"u": u, "v": v, "w": w, "a": a})
    at = {u: 0.5, v: 0.2, w: -0.3, a: 1.0}
    exact = float(expr.xreplace(at).evalf(30))
    f = compile_expr([u, v, w, a], expr)
    assert float(f(*at.values())) == pytest.approx(exact, rel=1e-12, abs=1e-14)
    assert float(compile_expr([u, v, w, a], expr, cse=False)(*at.values())) == pytest.approx(exact, rel=1e-12, abs=1e-14)
    assert len(f.program) > 0  # the repeated exponentials are shared, not recomputed


def test_large_numpy_calls_run_in_blocks_with_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call over many points runs the program block by block along the leading axis; the numbers,
    the shapes and the dtypes are those of the one-piece call (inputs that broadcast along the
    leading axis, a scalar, a piecewise branch, a boolean output and a matrix output included)."""
    from gsmtheory.compile import _compile

    x, y, t = sp.symbols("x y t")
    pieces = [sp.exp(-(x - t) ** 2 / 2) * sp.log(1 + y ** 2) + sp.erf(x * y) / (1 + x ** 4),
              sp.Piecewise((sp.sin(x) * y, x > 0), (sp.cosh(y) - x ** 3, True)),
              x * y > t,
              sp.Matrix([[x * sp.tanh(y), t], [sp.sqrt(1 + x ** 2 * y ** 2), sp.Max(x, y)]])]
    rng = np.random.default_rng(3)
    xs, ys = rng.normal(size=(1001, 1, 7)), rng.normal(size=(1, 31, 7))
    assert xs.size * ys.shape[1] > 4 * _compile._BLOCK
    for expr in pieces:
        f = compile_expr([x, y, t], expr)
        assert f._rows_per_block(np.broadcast_shapes(xs.shape, ys.shape)) is not None
        blocked = f(xs, ys, 0.3)
        with monkeypatch.context() as mp:
            mp.setattr(_compile, "_BLOCK", 10 ** 9)
            assert f._rows_per_block(np.broadcast_shapes(xs.shape, ys.shape)) is None
            whole = f(xs, ys, 0.3)
        assert blocked.shape == whole.shape and blocked.dtype == whole.dtype
        assert np.array_equal(blocked, whole)


def test_blocks_keep_one_piece_dtypes_where_rows_are_long(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows as long as a block, with an input constant along the leading axis (shape (1, M)): the
    outputs of that input alone are promoted to float as in one piece (a boolean, a complex64), and a
    Fortran-ordered input gives the same numbers."""
    from gsmtheory.compile import _compile

    x, y = sp.symbols("x y")
    rng = np.random.default_rng(5)
    m = _compile._BLOCK
    xs, y1 = rng.normal(size=(4, m)), rng.normal(size=(1, m))
    cases = [(compile_expr([x, y], [sp.exp(x), y > 0]), (xs, y1)),
             (compile_expr([x, y], [x * y, 2 * y]), (xs, (y1 + 1j * y1).astype(np.complex64))),
             (compile_expr([x, y], [sp.log(1 + x**2) * sp.cos(y), x - y]), (np.asfortranarray(xs), y1))]
    for f, args in cases:
        assert f._rows_per_block(np.broadcast_shapes(*(a.shape for a in args))) is not None
        blocked = f(*args)
        with monkeypatch.context() as mp:
            mp.setattr(_compile, "_BLOCK", 10 ** 12)
            whole = f(*args)
        for a, b in zip(blocked, whole):
            assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
