"""Bodies must be byte-identical to Go's json.MarshalIndent of their own parse."""

from __future__ import annotations

import pytest

from core.confdb.canonical_json import canonical_json, is_canonical


@pytest.mark.parametrize(
    ("number", "written"),
    [
        ("1.0", "1"),
        ("1e17", "100000000000000000"),
        ("7e-6", "0.000007"),
        ("1e21", "1e+21"),
        ("1e-7", "1e-7"),
        ("-3.25e-10", "-3.25e-10"),
        ("-0.0", "-0"),
        ("12345678901234567890", "12345678901234567000"),
        ("2.5e300", "2.5e+300"),
    ],
)
def test_numbers_are_written_as_go_writes_float64(number, written):
    assert canonical_json(f"[{number}]") == f"[\n  {written}\n]"


def test_strings_escape_html_separators_and_controls_like_go():
    assert canonical_json(r'["<&>\u2028\u2029\u0001\b\f\n é"]') == '[\n  "\\u003c\\u0026\\u003e\\u2028\\u2029\\u0001\\b\\f\\n é"\n]'


def test_objects_sorted_with_two_space_indent_and_empty_containers():
    assert canonical_json('{"b": {}, "a": [], "c": {"y": true, "x": null}}') == (
        '{\n  "a": [],\n  "b": {},\n  "c": {\n    "x": null,\n    "y": true\n  }\n}'
    )


@pytest.mark.parametrize("text", ['{"a":1}', "{\n  \"a\": 1\n}\n", "{", "NaN", "[1e400]", '{\n    "a": 1\n}'])
def test_non_canonical_or_non_json_bodies_are_refused(text):
    assert not is_canonical(text)
