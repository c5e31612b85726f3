"""Macaroon credentials: every way one can fail is a 401 with its own reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymacaroons import Macaroon

from core.confdb.macaroons import Credential, authenticate, mint_credential
from core.errors import Unauthenticated

ROOT_KEY = b"r" * 32


def fails(header, now, reason, key=ROOT_KEY):
    with pytest.raises(Unauthenticated) as err:
        authenticate(header, key, now=now)
    assert err.value.reason == reason
    return err.value


@pytest.fixture
def single(now):
    return mint_credential("publisher1", ROOT_KEY, expires=now + timedelta(hours=1))


@pytest.fixture
def pair(now):
    return mint_credential("publisher1", ROOT_KEY, expires=now + timedelta(hours=1), discharge_location="login.example")


def test_single_macaroon_in_both_spellings(single, now):
    assert authenticate(f"Macaroon {single.root}", ROOT_KEY, now=now) == "publisher1"
    assert authenticate(f"macaroon {single.root}", ROOT_KEY, now=now) == "publisher1"
    assert authenticate(f"Macaroon root={single.root}", ROOT_KEY, now=now) == "publisher1"


def test_root_with_bound_discharge(pair, now):
    assert authenticate(pair.authorization(), ROOT_KEY, now=now) == "publisher1"


def test_missing_credential_asks_for_one(now):
    for header in (None, "", "   "):
        assert fails(header, now, "macaroon-missing").metadata["code"] == "macaroon-permission-required"


@pytest.mark.parametrize(
    "header",
    ["Bearer abc", "Macaroon", "Macaroon a b", "Macaroon root=", "Macaroon discharge=abc", "Macaroon root=a, root=b",
     "Macaroon !!!not-base64", "Macaroon AAAA"],
)
def test_malformed_credentials(header, now):
    assert fails(header, now, "macaroon-malformed").metadata["code"] == "macaroon-invalid"


def test_forged_with_another_root_key(single, now):
    fails(single.authorization(), now, "macaroon-forged", key=b"x" * 32)


def test_forged_by_dropping_a_caveat(now):
    forged = Macaroon(location="switchyard", identifier="x", key=b"not the root key")
    forged.add_first_party_caveat("account=publisher1")
    forged.add_first_party_caveat("expires=2999-01-01T00:00:00Z")
    fails(f"Macaroon {forged.serialize()}", now, "macaroon-forged")


def test_expired(single, now):
    fails(single.authorization(), now + timedelta(hours=2), "macaroon-expired")


def test_unbound_discharge(pair, now):
    fails(f"Macaroon root={pair.root}, discharge={pair.discharge}", now, "macaroon-unbound")


def test_root_without_its_discharge(pair, now):
    fails(f"Macaroon {pair.root}", now, "macaroon-unbound")


def test_discharge_for_a_macaroon_that_needs_none(single, pair, now):
    fails(Credential(single.root, pair.discharge).authorization(), now, "macaroon-unbound")


def test_discharge_from_another_pair(pair, now):
    other = mint_credential("publisher1", ROOT_KEY, expires=now + timedelta(hours=1), discharge_location="login.example")
    root = Macaroon.deserialize(pair.root)
    bound = root.prepare_for_request(Macaroon.deserialize(other.discharge))
    fails(f"Macaroon root={pair.root}, discharge={bound.serialize()}", now, "macaroon-caveat")


def test_attenuating_to_a_second_account_is_refused(single, now):
    root = Macaroon.deserialize(single.root)
    root.add_first_party_caveat("account=someone-else")
    fails(f"Macaroon {root.serialize()}", now, "macaroon-caveat")


def test_unknown_caveats_fail_closed(single, now):
    root = Macaroon.deserialize(single.root)
    root.add_first_party_caveat("admin=true")
    fails(f"Macaroon {root.serialize()}", now, "macaroon-caveat")


def test_attenuated_expiry_is_honoured(single, now):
    root = Macaroon.deserialize(single.root)
    root.add_first_party_caveat("expires=2000-01-01T00:00:00Z")
    fails(f"Macaroon {root.serialize()}", now, "macaroon-expired")


def test_macaroon_without_account_or_expiry_is_refused(now):
    bare = Macaroon(location="switchyard", identifier="x", key=ROOT_KEY)
    fails(f"Macaroon {bare.serialize()}", now, "macaroon-caveat")


@settings(max_examples=300, deadline=None)
@given(header=st.one_of(st.none(), st.text(max_size=120), st.text(max_size=80).map(lambda t: "Macaroon " + t)))
def test_any_authorization_header_is_a_401_or_an_account(header):
    from datetime import datetime, timezone

    try:
        authenticate(header, ROOT_KEY, now=datetime.now(timezone.utc))
    except Unauthenticated:
        pass
    else:
        pytest.fail("random text authenticated")


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(0, 400), junk=st.text(alphabet="ABCDEFabcdef0123456789-_=\x00", max_size=6))
def test_mutated_tokens_are_a_401(cut, junk):
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    token = mint_credential("publisher1", ROOT_KEY, expires=now + timedelta(hours=1)).root
    cut = min(cut, len(token))
    mutated = token[:cut] + junk + token[cut + len(junk) :]
    try:
        authenticate(f"Macaroon {mutated}", ROOT_KEY, now=now)
    except Unauthenticated:
        return
    # Only the location hint is outside the signature: anything that verifies is the same
    # macaroon in every signed part.
    original, accepted = Macaroon.deserialize(token), Macaroon.deserialize(mutated)
    assert (accepted.identifier, accepted.signature) == (original.identifier, original.signature)
    assert [c.caveat_id for c in accepted.caveats] == [c.caveat_id for c in original.caveats]
