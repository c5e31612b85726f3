"""Setting the manifest: everything a servicer must persist, computed before it writes.

`prepare_manifest` validates and generates (secrets, users, recovery data key) without side
effects, so the caller can store the returned `ManifestSetup` in one transaction — a failure
anywhere leaves the previous state untouched.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.coordinator.manifest import Manifest, Secret, parse_manifest
from core.coordinator.manifest_check import check_manifest, recovery_public_keys
from core.coordinator.pki import CoordinatorPKI, manifest_fingerprint, sign_manifest
from core.coordinator.recovery import RecoverySetup, generate_recovery
from core.coordinator.secrets import generate_shared_secrets, new_root_secret
from core.coordinator.status import require_state
from core.coordinator.updates import initial_manifest_log_line
from core.coordinator.users import CoordinatorUser, users_from_manifest


@dataclass(frozen=True)
class ManifestSetup:
    raw: bytes
    manifest: Manifest
    signature: bytes
    secrets: dict[str, Secret]  # shared generated + user-defined definitions
    users: dict[str, CoordinatorUser]
    recovery: RecoverySetup
    root_secret: bytes
    warnings: list[str]
    log_lines: list[str]


def prepare_manifest(raw: bytes, pki: CoordinatorPKI, state: int,
                     environ: Mapping[str, str] | None = None) -> ManifestSetup:
    """Check and generate everything for a first manifest (states 1 and 2 only)."""
    require_state("set_manifest", state)
    manifest = parse_manifest(raw)
    warnings = check_manifest(manifest, environ)
    secrets = generate_shared_secrets(manifest, pki)
    recovery = generate_recovery(recovery_public_keys(manifest), manifest.Config.RecoveryThreshold)
    users = users_from_manifest(manifest)
    return ManifestSetup(
        raw=raw, manifest=manifest, signature=sign_manifest(pki, raw), secrets=secrets, users=users,
        recovery=recovery, root_secret=new_root_secret(), warnings=warnings,
        log_lines=[initial_manifest_log_line()],
    )


def set_manifest_response_v1(setup: ManifestSetup) -> dict[str, Any] | None:
    secrets = setup.recovery.recovery_secrets_b64()
    return {"RecoverySecrets": secrets} if secrets else None


def set_manifest_response_v2(setup: ManifestSetup) -> dict[str, Any]:
    return {"RecoverySecrets": setup.recovery.recovery_secrets_b64()}


def manifest_response_v1(raw: bytes | None, signature: bytes | None) -> dict[str, Any]:
    """v1 GET manifest: Go field names; before any manifest the empty values MarbleRun sends."""
    if raw is None:
        return {"ManifestSignatureRootECDSA": None, "ManifestSignature": "", "Manifest": None}
    return {
        "ManifestSignatureRootECDSA": base64.b64encode(signature or b"").decode(),
        "ManifestSignature": manifest_fingerprint(raw),
        "Manifest": base64.b64encode(raw).decode(),
    }


def manifest_response_v2(raw: bytes, signature: bytes) -> dict[str, Any]:
    return {
        "manifestSignatureRootECDSA": base64.b64encode(signature).decode(),
        "manifestFingerprint": manifest_fingerprint(raw),
        "manifest": base64.b64encode(raw).decode(),
    }

