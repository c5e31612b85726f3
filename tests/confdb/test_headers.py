"""Assertion headers: snapd's indented strings, lists and maps, both directions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.confdb.headers import decode_headers, encode_headers
from core.errors import InvalidArgument

NESTED = """type: confdb-schema
views:
  wifi-setup:
    rules:
      -
        access: read
        request: ssids
        storage: wifi.ssids
multi:
    first line
    
    after an empty line
items:
  - a
  -
    - b
    - c
  -
    k: v
empty: """


def test_nested_lists_maps_and_multiline_round_trip():
    headers = decode_headers(NESTED)
    assert headers["views"] == {"wifi-setup": {"rules": [{"access": "read", "request": "ssids", "storage": "wifi.ssids"}]}}
    assert headers["multi"] == "first line\n\nafter an empty line"
    assert headers["items"] == ["a", ["b", "c"], {"k": "v"}]
    assert headers["empty"] == ""
    assert encode_headers(headers, headers) == NESTED


def test_maps_are_written_sorted_and_empty_containers_left_out():
    text = encode_headers({"m": {"b": "2", "a": "1"}, "l": [], "e": {}}, ["m", "l", "e"])
    assert text == "m:\n  a: 1\n  b: 2"


@pytest.mark.parametrize("value", [3, None, True, 1.5, ["ok", None]])
def test_encoding_refuses_anything_but_strings_lists_and_maps(value):
    with pytest.raises(InvalidArgument) as err:
        encode_headers({"revision": value}, ["revision"])
    assert err.value.metadata["field"] == "revision"
    assert "header values must be strings" in err.value.message


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("type: a\ntype: b", "type", "repeated-header"),
        ("Type: a", "headers", "malformed-header"),
        ("type:a", "type", "malformed-header"),
        ("no colon here", "headers", "malformed-header"),
        ("views:\n  a: 1\n  a: 2", "views", "repeated-header"),
        ("views:\n  Bad: 1", "views", "malformed-header"),
        ("views:", "views", "malformed-header"),
        ("body:\n  - x\n stray", "headers", "malformed-header"),
    ],
)
def test_malformed_headers_name_the_header(text, field, reason):
    with pytest.raises(InvalidArgument) as err:
        decode_headers(text)
    assert err.value.reason == reason
    assert err.value.metadata == {"code": "invalid-field", "field": field}


NAMES = st.from_regex(r"[a-z](?:-?[a-z0-9]){0,6}", fullmatch=True)
STRINGS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=20)
VALUES = st.recursive(
    STRINGS,
    lambda inner: st.lists(inner, min_size=1, max_size=3) | st.dictionaries(NAMES, inner, min_size=1, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(headers=st.dictionaries(NAMES, VALUES, min_size=1, max_size=5))
def test_any_header_value_round_trips(headers):
    text = encode_headers(headers, headers)
    assert decode_headers(text) == headers
    assert encode_headers(decode_headers(text), headers) == text


def test_hostile_nesting_is_refused_before_the_recursion_limit():
    depth = 300
    text = "\n".join(["a:", *(" " * (2 * k) + "  -" for k in range(depth)), " " * (2 * depth) + "  - x"])
    with pytest.raises(InvalidArgument) as err:
        decode_headers(text)
    assert err.value.reason == "headers-too-deep"


def test_decoder_accepts_unsorted_map_entries_and_multiline_list_items():
    text = "items:\n  -\n    zeta: 1\n    alpha: 2\n  -\n      line one\n      line two\n      \n  - last\nafter: x"
    assert decode_headers(text) == {
        "items": [{"zeta": "1", "alpha": "2"}, "line one\nline two\n", "last"],
        "after": "x",
    }
