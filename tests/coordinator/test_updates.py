"""Package updates, multi-party manifest updates and the update log."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.coordinator.manifest import parse_manifest
from core.coordinator.status import MESSAGES, require_state
from core.coordinator.updates import (
    acknowledge_update,
    acknowledgement_message,
    apply_package_update,
    cancel_update,
    check_package_update,
    log_line,
    pending_update_view,
    plan_secret_update,
    require_no_pending_update,
    start_full_update,
    update_log_v1,
    update_log_v2,
)
from core.coordinator.users import users_from_manifest
from core.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.coordinator.conftest import manifest_bytes, manifest_dict

NOW = dt.datetime(2024, 5, 1, 12, 34, 56, 789000, tzinfo=dt.timezone.utc)


@pytest.fixture
def current(users):
    m = parse_manifest(manifest_bytes(manifest_dict(users)))
    return m, users_from_manifest(m)


def _update(packages: dict) -> object:
    return parse_manifest(json.dumps({"Packages": packages}).encode())


def test_package_update_raises_security_version_and_logs(current):
    m, table = current
    update = _update({"backend": {"SecurityVersion": 5}})
    assert update.is_package_update_only()
    result = apply_package_update(table["alice"], update, m.Packages, NOW)
    assert result.packages["backend"].SecurityVersion == 5
    assert m.Packages["backend"].SecurityVersion == 2  # the input is not changed
    assert result.log_lines == ['{"time":"2024-05-01T12:34:56.789Z","update":"SecurityVersion increased",'
                                '"user":"alice","package":"backend","new version":5}']
    # equal is allowed
    apply_package_update(table["alice"], _update({"backend": {"SecurityVersion": 2}}), m.Packages)


@pytest.mark.parametrize("packages, fragment", [
    ({}, "no packages defined"),
    ({"ghost": {"SecurityVersion": 3}}, "update manifest specifies a package which the original manifest does not contain"),
    ({"backend": {"SecurityVersion": 3, "Debug": True}}, "update manifest contains unupdatable values"),
    ({"backend": {"SecurityVersion": 3, "SignerID": "ab"}}, "update manifest contains unupdatable values"),
    ({"backend": {"SecurityVersion": 3, "ProductID": 1}}, "update manifest contains unupdatable values"),
    ({"backend": {"SecurityVersion": 3, "UniqueID": "ab"}}, "update manifest contains unupdatable values"),
    ({"backend": {}}, "update manifest does not specify a SecurityVersion to update"),
    ({"backend": {"SecurityVersion": 1}}, "update manifest tries to downgrade SecurityVersion of the original manifest"),
])
def test_package_update_rules(current, packages, fragment):
    m, _ = current
    with pytest.raises(InvalidArgument) as err:
        check_package_update(_update(packages), m.Packages)
    assert fragment in err.value.message


def test_package_without_version_accepts_any(current):
    m, _ = current
    check_package_update(_update({"frontend": {"SecurityVersion": 0}}), m.Packages)


def test_package_update_needs_permission(current):
    m, table = current
    with pytest.raises(PermissionDenied, match=r"user bob is not allowed to update one or more packages of \[backend\]"):
        apply_package_update(table["bob"], _update({"backend": {"SecurityVersion": 9}}), m.Packages)


def _new_manifest(users) -> bytes:
    m = manifest_dict(users)
    m["Marbles"]["server"]["MaxActivations"] = 10
    return manifest_bytes(m)


def test_multi_party_update_acknowledged_then_applied(current, users):
    m, table = current
    raw = _new_manifest(users)
    started = start_full_update(table["alice"], m, table, raw, now=NOW)
    pending = started.pending
    assert pending is not None and not started.applied
    assert pending.required_users == {"alice": True, "bob": False} and pending.missing_acknowledgments == 1
    assert pending.missing_users() == ["bob"]
    entry = json.loads(started.log_lines[0])
    assert entry["update"].endswith("Waiting for acknowledgments to apply the update")
    assert entry["missingUsers"] == ["bob"] and entry["manifestFingerprint"] == pending.fingerprint
    assert acknowledgement_message(1, ["bob"], v2=True) == (
        "1 user still needs to acknowledge the update manifest.\nThe following users have not yet accepted: bob")
    assert acknowledgement_message(2, ["a", "b"], v2=False) == "2 users still need to acknowledge the update manifest"
    view = pending_update_view(pending)
    assert view["missingUsers"] == ["bob"] and view["message"] == "1 user still needs to acknowledge the update manifest"
    with pytest.raises(FailedPrecondition, match="update already in progress"):
        require_no_pending_update(pending)

    with pytest.raises(InvalidArgument, match="provided manifest does not match the pending manifest"):
        acknowledge_update(table["bob"], pending, raw + b" ")
    again = acknowledge_update(table["alice"], pending, raw)  # a repeated ack counts once
    assert again.pending.missing_acknowledgments == 1
    done = acknowledge_update(table["bob"], again.pending, raw, now=NOW)
    assert done.applied and done.manifest.Marbles["server"].MaxActivations == 10
    assert [json.loads(line)["update"] for line in done.log_lines] == [
        "Complete Manifest update acknowledged by user", "Complete Manifest updated"]
    assert acknowledgement_message(0, [], v2=True) == \
        "All users have acknowledged the update manifest. Update successfully applied"


def test_multi_party_update_cancelled(current, users):
    m, table = current
    pending = start_full_update(table["bob"], m, table, _new_manifest(users)).pending
    line = json.loads(cancel_update(table["alice"], pending))
    assert line["update"] == "Complete Manifest update cancelled by user" and line["user"] == "alice"
    with pytest.raises(NotFound, match="no update in progress"):
        cancel_update(table["alice"], None)
    with pytest.raises(NotFound, match="no update in progress"):
        acknowledge_update(table["bob"], None, b"{}")
    with pytest.raises(NotFound):
        pending_update_view(None)


def test_threshold_applies_with_fewer_acknowledgements(users):
    m = parse_manifest(manifest_bytes(manifest_dict(users, Config={"UpdateThreshold": 1})))
    table = users_from_manifest(m)
    started = start_full_update(table["bob"], m, table, _new_manifest(users), now=NOW)
    assert started.applied
    assert json.loads(started.log_lines[0])["update"].endswith("No further acknowledgements required")


def test_only_required_users_acknowledge_and_new_manifest_is_checked(current, users):
    m, table = current
    carol_manifest = manifest_dict(users)
    carol_manifest["Users"]["carol"] = {"Certificate": users["carol"].cert_pem, "Roles": ["readonly"]}
    carol_table = users_from_manifest(parse_manifest(manifest_bytes(carol_manifest)))
    pending = start_full_update(table["alice"], m, table, _new_manifest(users)).pending
    with pytest.raises(PermissionDenied, match="user carol is not allowed to acknowledge manifest updates"):
        acknowledge_update(carol_table["carol"], pending, pending.manifest_raw)
    with pytest.raises(PermissionDenied):
        start_full_update(carol_table["carol"], m, table, _new_manifest(users))
    with pytest.raises(InvalidArgument, match="no allowed marbles defined"):
        start_full_update(table["alice"], m, table, json.dumps({"Packages": {"p": {}}}).encode())


def test_secret_plan_for_full_update(users):
    old = parse_manifest(manifest_bytes(manifest_dict()))
    new_dict = manifest_dict()
    new_dict["Secrets"].pop("userPlain")
    new_dict["Secrets"]["symShared"]["Size"] = 256
    new = parse_manifest(manifest_bytes(new_dict))
    plan = plan_secret_update(old, new, rotate_root_secret=False)
    assert plan["delete"] == {"userPlain"}
    assert plan["keep"] == {"symPrivate", "userKey", "userCert"}
    assert plan["regenerate"] == {"symShared", "certShared"}
    assert "symPrivate" in plan_secret_update(old, new, rotate_root_secret=True)["regenerate"]


def test_update_log_shapes():
    lines = [log_line("Initial manifest set", NOW), log_line("Secret set", NOW, user="u", secret="s", type="plain")]
    assert lines[0] == '{"time":"2024-05-01T12:34:56.789Z","update":"Initial manifest set"}'
    assert update_log_v1(lines) == lines[0] + "\n" + lines[1] + "\n"
    assert update_log_v2(lines) == {"updateLog": lines}


def test_status_messages_and_state_table():
    assert MESSAGES[2] == "Coordinator is ready to accept a manifest."
    assert MESSAGES[3] == "Coordinator is running correctly and ready to accept marbles."
    assert MESSAGES[1].startswith("Coordinator is in recovery mode.")
    require_state("set_manifest", 1)
    require_state("quote", 1)
    require_state("status", 2)  # no requirement
    with pytest.raises(FailedPrecondition, match="server is not in expected state"):
        require_state("set_manifest", 3)
    with pytest.raises(FailedPrecondition, match="cannot accept marbles in current state"):
        require_state("activate", 2)
    with pytest.raises(FailedPrecondition):
        require_state("recover", 3)
