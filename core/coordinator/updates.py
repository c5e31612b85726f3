"""Manifest updates: package SecurityVersion raises, multi-party full updates, the update log.

A package update only raises SecurityVersions (never down) and leaves the signed manifest
bytes alone, so deployments verified by manifest hash stay verified. A full update needs the
acknowledgement of the users allowed to update the manifest (or the current manifest's
UpdateThreshold of them), each uploading byte-identical bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.coordinator.manifest import Manifest, Package, parse_manifest
from core.coordinator.manifest_check import check_manifest
from core.coordinator.pki import manifest_fingerprint
from core.coordinator.users import CoordinatorUser, require_update_manifest, require_update_packages
from core.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

UPDATE_IN_PROGRESS = ("update already in progress. Acknowledge the update to apply it, or cancel it to start a "
                      "new one")
NO_UPDATE_IN_PROGRESS = "no update in progress"
UPDATE_CANCELLED = "Update successfully cancelled"
ALL_ACKNOWLEDGED = "All users have acknowledged the update manifest. Update successfully applied"


# ---- package (SecurityVersion) updates ---------------------------------------------------------

def check_package_update(update: Manifest, current: Mapping[str, Package]) -> None:
    """MarbleRun's CheckUpdate: only SecurityVersion may change, and never downward."""
    def bad(message: str, package: str = "") -> InvalidArgument:
        meta = {"field": f"Packages.{package}"} if package else {"field": "Packages"}
        return InvalidArgument(message, reason="INVALID_UPDATE", metadata=meta)

    if not update.Packages:
        raise bad("no packages defined")
    for name, pkg in update.Packages.items():
        original = current.get(name)
        if original is None:
            raise bad("update manifest specifies a package which the original manifest does not contain", name)
        if pkg.Debug or pkg.UniqueID or pkg.SignerID or pkg.ProductID is not None:
            raise bad("update manifest contains unupdatable values", name)
        if pkg.SecurityVersion is None:
            raise bad("update manifest does not specify a SecurityVersion to update", name)
        if original.SecurityVersion is not None and pkg.SecurityVersion < original.SecurityVersion:
            raise bad("update manifest tries to downgrade SecurityVersion of the original manifest", name)


@dataclass(frozen=True)
class PackageUpdate:
    packages: dict[str, Package]  # the full package table after the update
    log_lines: list[str]


def apply_package_update(user: CoordinatorUser, update: Manifest, current: Mapping[str, Package],
                         now: dt.datetime | None = None) -> PackageUpdate:
    """Permission, rules, then the new package table and one log line per package."""
    require_update_packages(user, list(update.Packages))
    check_package_update(update, current)
    packages = {name: _copy_package(p) for name, p in current.items()}
    lines = []
    for name, pkg in update.Packages.items():
        packages[name].SecurityVersion = pkg.SecurityVersion
        lines.append(log_line("SecurityVersion increased", now, user=user.name, package=name,
                              **{"new version": pkg.SecurityVersion}))
    return PackageUpdate(packages, lines)


def _copy_package(p: Package) -> Package:
    return Package(p.Debug, p.UniqueID, p.SignerID, p.ProductID, p.SecurityVersion,
                   list(p.AcceptedTCBStatuses), list(p.AcceptedAdvisories))


def secrets_renewed_by_package_update(manifest: Manifest) -> list[str]:
    """Shared generated certificates are re-issued under the new intermediate."""
    return [n for n, s in manifest.Secrets.items()
            if s.Shared and not s.UserDefined and s.Type != "symmetric-key"]


# ---- multi-party full updates ------------------------------------------------------------------

@dataclass
class PendingUpdate:
    manifest_raw: bytes
    required_users: dict[str, bool]  # user -> has acknowledged
    missing_acknowledgments: int

    @property
    def fingerprint(self) -> str:
        return manifest_fingerprint(self.manifest_raw)

    def missing_users(self) -> list[str]:
        return [u for u, acked in self.required_users.items() if not acked]

    def to_json(self) -> dict[str, Any]:
        return {"manifestRaw": base64.b64encode(self.manifest_raw).decode(),
                "requiredUsers": dict(self.required_users),
                "missingAcknowledgments": self.missing_acknowledgments}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> PendingUpdate:
        return cls(base64.b64decode(value["manifestRaw"]), dict(value["requiredUsers"]),
                   int(value["missingAcknowledgments"]))


@dataclass
class UpdateProgress:
    pending: PendingUpdate | None  # None once applied: the caller applies `manifest`
    manifest: Manifest
    log_lines: list[str] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return self.pending is None


def require_no_pending_update(pending: PendingUpdate | None) -> None:
    """Any update (packages too) waits until a pending full update is applied or cancelled."""
    if pending is not None:
        raise FailedPrecondition(UPDATE_IN_PROGRESS, reason="UPDATE_IN_PROGRESS")


def start_full_update(user: CoordinatorUser, current: Manifest, users: Mapping[str, CoordinatorUser],
                      new_raw: bytes, environ: Mapping[str, str] | None = None,
                      now: dt.datetime | None = None) -> UpdateProgress:
    """The uploader acknowledges implicitly; with nobody else needed it applies at once."""
    require_update_manifest(user)
    new = parse_manifest(new_raw, "unmarshaling update manifest")
    check_manifest(new, environ)
    # Required users are the *current* users holding UpdateManifest (not the new manifest's).
    required = {name: False for name, u in users.items() if u.is_granted("updatemanifest")}
    needed = current.Config.UpdateThreshold or len(required)
    pending = PendingUpdate(new_raw, required, needed)
    _acknowledge(pending, user.name)
    fp = pending.fingerprint
    if pending.missing_acknowledgments <= 0:
        line = log_line("Complete Manifest update initiated by user. No further acknowledgements required", now,
                        user=user.name, manifestFingerprint=fp)
        return UpdateProgress(None, new, [line, log_line("Complete Manifest updated", now, manifestFingerprint=fp)])
    line = log_line("Complete Manifest update initiated by user. Waiting for acknowledgments to apply the update",
                    now, user=user.name, missingAcknowledgments=pending.missing_acknowledgments,
                    missingUsers=pending.missing_users(), manifestFingerprint=fp)
    return UpdateProgress(pending, new, [line])


def acknowledge_update(user: CoordinatorUser, pending: PendingUpdate | None, raw: bytes,
                       now: dt.datetime | None = None) -> UpdateProgress:
    if pending is None:
        raise NotFound(NO_UPDATE_IN_PROGRESS, reason="NO_PENDING_UPDATE")
    if user.name not in pending.required_users:
        raise PermissionDenied(f"user {user.name} is not allowed to acknowledge manifest updates",
                               reason="MANIFEST_UPDATE_DENIED", metadata={"user": user.name})
    if raw != pending.manifest_raw:
        raise InvalidArgument("provided manifest does not match the pending manifest", reason="MANIFEST_MISMATCH")
    updated = PendingUpdate(pending.manifest_raw, dict(pending.required_users), pending.missing_acknowledgments)
    _acknowledge(updated, user.name)
    fp = updated.fingerprint
    lines = [log_line("Complete Manifest update acknowledged by user", now, user=user.name,
                      missingAcknowledgments=max(updated.missing_acknowledgments, 0),
                      missingUsers=updated.missing_users(), manifestFingerprint=fp)]
    manifest = parse_manifest(updated.manifest_raw, "unmarshaling update manifest")
    if updated.missing_acknowledgments <= 0:
        lines.append(log_line("Complete Manifest updated", now, manifestFingerprint=fp))
        return UpdateProgress(None, manifest, lines)
    return UpdateProgress(updated, manifest, lines)


def _acknowledge(pending: PendingUpdate, user: str) -> None:
    """A repeated acknowledgement by the same user counts once."""
    if user in pending.required_users and not pending.required_users[user]:
        pending.required_users[user] = True
        pending.missing_acknowledgments -= 1


def cancel_update(user: CoordinatorUser, pending: PendingUpdate | None, now: dt.datetime | None = None) -> str:
    """Permission first, then existence (MarbleRun's order); returns the log line to append."""
    require_update_manifest(user)
    if pending is None:
        raise NotFound(NO_UPDATE_IN_PROGRESS, reason="NO_PENDING_UPDATE")
    return log_line("Complete Manifest update cancelled by user", now, user=user.name,
                    manifestFingerprint=pending.fingerprint)


def apply_failed_log_line(pending: PendingUpdate, now: dt.datetime | None = None) -> str:
    return log_line("Complete Manifest update cancelled due to error during apply", now,
                    manifestFingerprint=pending.fingerprint)


def acknowledgement_message(missing: int, missing_users: Sequence[str], *, v2: bool) -> str:
    if missing <= 0:
        return ALL_ACKNOWLEDGED
    head = "1 user still needs" if missing == 1 else f"{missing} users still need"
    head += " to acknowledge the update manifest"
    if not v2:
        return head
    return f"{head}.\nThe following users have not yet accepted: {', '.join(missing_users)}"


def pending_update_view(pending: PendingUpdate | None) -> dict[str, Any]:
    """GET update-manifest (no authentication needed)."""
    if pending is None:
        raise NotFound(NO_UPDATE_IN_PROGRESS, reason="NO_PENDING_UPDATE")
    n = pending.missing_acknowledgments
    message = ("1 user still needs" if n == 1 else f"{n} users still need") + " to acknowledge the update manifest"
    return {"manifest": base64.b64encode(pending.manifest_raw).decode(), "message": message,
            "missingUsers": pending.missing_users()}


def plan_secret_update(old: Manifest, new: Manifest, rotate_root_secret: bool) -> dict[str, set[str]]:
    """Which secrets a full update keeps, regenerates or deletes.

    Changed definitions and every generated certificate are regenerated; unchanged user-defined
    secrets and unchanged symmetric keys are kept (symmetric keys too are renewed when the root
    secret rotates).
    """
    keep: set[str] = set()
    regenerate: set[str] = set()
    for name, s in new.Secrets.items():
        before = old.Secrets.get(name)
        same = before is not None and (before.Type, before.Size, before.Shared, before.UserDefined,
                                       before.ValidFor) == (s.Type, s.Size, s.Shared, s.UserDefined, s.ValidFor)
        if same and (s.UserDefined or (s.Type == "symmetric-key" and not rotate_root_secret)):
            keep.add(name)
        else:
            regenerate.add(name)
    return {"keep": keep, "regenerate": regenerate, "delete": set(old.Secrets) - set(new.Secrets)}


# ---- update log --------------------------------------------------------------------------------

def log_time(now: dt.datetime | None = None) -> str:
    """zap's ISO 8601 layout with milliseconds: 2024-05-01T12:34:56.789Z."""
    t = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def log_line(update: str, now: dt.datetime | None = None, **fields: Any) -> str:
    """One JSON object per line: time, update, then the fields in the order given."""
    entry = {"time": log_time(now), "update": update, **fields}
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False)


def initial_manifest_log_line(now: dt.datetime | None = None) -> str:
    return log_line("Initial manifest set", now)


def secret_set_log_line(user: str, secret: str, secret_type: str, now: dt.datetime | None = None) -> str:
    return log_line("Secret set", now, user=user, secret=secret, type=secret_type)


def update_log_v1(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def update_log_v2(lines: Sequence[str]) -> dict[str, list[str]]:
    return {"updateLog": list(lines)}
