"""Setting a manifest computes everything to store, or fails without side effects."""

from __future__ import annotations

import base64
import json

import pytest

from core.coordinator.pki import verify_root_signature
from core.coordinator.recovery import OAEP
from core.coordinator.setup import prepare_manifest, set_manifest_response_v1, set_manifest_response_v2
from core.errors import FailedPrecondition, InvalidArgument
from tests.coordinator.conftest import manifest_bytes, manifest_dict, public_pem


def test_prepare_manifest_with_recovery_keys(pki, users, rsa_keys):
    m = manifest_dict(users, RecoveryKeys={"k1": public_pem(rsa_keys[0]), "k2": public_pem(rsa_keys[1])})
    raw = manifest_bytes(m)
    setup = prepare_manifest(raw, pki, state=2)
    assert setup.raw == raw and verify_root_signature(pki.root_cert, raw, setup.signature)
    assert set(setup.users) == {"alice", "bob"} and len(setup.root_secret) == 32
    assert setup.secrets["symShared"].Private and not setup.secrets["userKey"].Private
    assert json.loads(setup.log_lines[0])["update"] == "Initial manifest set"
    v2 = set_manifest_response_v2(setup)["RecoverySecrets"]
    shares = [rsa_keys[i].decrypt(base64.b64decode(v2[k]), OAEP) for i, k in enumerate(("k1", "k2"))]
    assert bytes(a ^ b for a, b in zip(*shares)) == setup.recovery.data_key
    assert set_manifest_response_v1(setup) == {"RecoverySecrets": v2}


def test_prepare_manifest_without_recovery_keys(pki):
    setup = prepare_manifest(manifest_bytes(manifest_dict()), pki, state=1)
    assert set_manifest_response_v1(setup) is None
    assert set_manifest_response_v2(setup) == {"RecoverySecrets": {}}


def test_prepare_manifest_refuses_wrong_state_and_bad_manifest(pki):
    with pytest.raises(FailedPrecondition, match="server is not in expected state"):
        prepare_manifest(manifest_bytes(manifest_dict()), pki, state=3)
    with pytest.raises(InvalidArgument, match="checking manifest: no allowed marbles defined"):
        prepare_manifest(b'{"Packages": {"p": {}}}', pki, state=2)
