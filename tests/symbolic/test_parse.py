"""The spec and expression parsers (gsmtheory/symbolic/_parse.py) survive random text: a SpecError or a
spec, never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsmtheory import GSMError
from gsmtheory.symbolic import parse_spec

GOOD_HEAD = 'coords = ["x"]\n'


_expr_chars = st.sampled_from([*"x+-*/()^.0123456789eE_ab,[]'\"", "**", "exp(", "log(", "sqrt(", "lambda", " "])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200))
def test_parser_survives_random_text(text: str) -> None:
    try:
        parse_spec(text)
    except GSMError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_expr_chars, max_size=40))
def test_expression_parser_survives_random_expressions(pieces: list[str]) -> None:
    text = GOOD_HEAD + "log_density = " + repr("".join(pieces)).replace("\\'", "'") + "\n"
    try:
        parse_spec(text)
    except GSMError:
        pass
