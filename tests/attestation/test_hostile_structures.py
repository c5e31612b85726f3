"""Hostile DER in the PCK extension and hostile (validly signed) JSON in collateral only ever
produce typed errors."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from core.attestation.pck import SGX_EXTENSION_OID, parse_sgx_extension, pck_info, quote_pck_chain
from core.attestation.quote import parse_quote
from core.attestation.tcb import evaluate_tcb
from core.errors import InvalidArgument

from .conftest import TESTDATA

_QUOTE = parse_quote((TESTDATA / "phala_sgx_quote.bin").read_bytes())
_PCK = pck_info(quote_pck_chain(_QUOTE)[0])
_EXTENSION = (
    quote_pck_chain(_QUOTE)[0].extensions.get_extension_for_oid(SGX_EXTENSION_OID).value.value
)
_COLLATERAL = json.loads((TESTDATA / "phala_sgx_quote_collateral.json").read_text())
_TCB_INFO = json.loads(_COLLATERAL["tcb_info"])
_QE_IDENTITY = json.loads(_COLLATERAL["qe_identity"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def test_the_real_extension_decodes():
    assert parse_sgx_extension(_EXTENSION).fmspc == _PCK.fmspc


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=600))
def test_random_der_is_a_typed_error(data):
    try:
        parse_sgx_extension(data)
    except InvalidArgument:
        pass


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_mutated_extension_der_is_decoded_or_a_typed_error(data):
    der = bytearray(_EXTENSION)
    for _ in range(data.draw(st.integers(1, 3))):
        der[data.draw(st.integers(0, len(der) - 1))] = data.draw(st.integers(0, 255))
    try:
        parse_sgx_extension(bytes(der[: data.draw(st.integers(0, len(der)))]))
    except InvalidArgument:
        pass


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_hostile_tcb_documents_are_typed_errors(data):
    tcb_info, qe_identity = dict(_TCB_INFO), dict(_QE_IDENTITY)
    target = data.draw(st.sampled_from([tcb_info, qe_identity]))
    key = data.draw(st.sampled_from(sorted(target) + ["extra"]))
    target[key] = data.draw(json_values)
    levels = tcb_info.get("tcbLevels")
    if data.draw(st.booleans()) and isinstance(levels, list) and levels:
        # corrupt one field of the first level, on a copy
        first = dict(levels[0]) if isinstance(levels[0], dict) else {}
        first[data.draw(st.sampled_from(["tcb", "tcbStatus", "advisoryIDs"]))] = data.draw(json_values)
        tcb_info["tcbLevels"] = [first, *levels[1:]]
    try:
        evaluate_tcb(tcb_info, qe_identity, _PCK, _QUOTE.qe_report)
    except InvalidArgument:
        pass
