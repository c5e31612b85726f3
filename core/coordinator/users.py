"""Manifest users, their permissions, and who a client certificate belongs to.

A permission is a lower-cased action (`readsecret`, `writesecret`, `updatesecurityversion`,
`updatemanifest`) with the set of resource names it covers; a user's permissions are the union
over its roles. Matching a caller is byte equality of certificates, as MarbleRun does: no chain,
expiry or key-usage checks, because the manifest itself is the trust anchor.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization

from core.coordinator.manifest import Manifest
from core.coordinator.manifest_check import (
    PERMISSION_READ_SECRET,
    PERMISSION_UPDATE_MANIFEST,
    PERMISSION_UPDATE_SECURITY_VERSION,
    PERMISSION_WRITE_SECRET,
    user_certificates,
)
from core.errors import PermissionDenied, Unauthenticated

__all__ = [
    "PERMISSION_READ_SECRET", "PERMISSION_WRITE_SECRET", "PERMISSION_UPDATE_SECURITY_VERSION",
    "PERMISSION_UPDATE_MANIFEST", "CoordinatorUser", "users_from_manifest", "match_user",
    "require_read_secrets", "require_write_secret", "require_update_packages", "require_update_manifest",
]


@dataclass
class CoordinatorUser:
    name: str
    certificate_der: bytes
    permissions: dict[str, set[str]] = field(default_factory=dict)

    def is_granted(self, permission: str, resources: Iterable[str] = ()) -> bool:
        """Held, and covering every named resource (an empty request only needs the permission)."""
        held = self.permissions.get(permission)
        return held is not None and all(r in held for r in resources)

    def to_json(self) -> dict[str, Any]:
        """The stored shape MarbleRun uses (`Certificate` as base64 DER)."""
        return {
            "Name": self.name,
            "Certificate": base64.b64encode(self.certificate_der).decode(),
            "Permissions": {
                p: {"PermissionID": p, "ResourceID": {r: True for r in sorted(names)}}
                for p, names in self.permissions.items()
            },
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> CoordinatorUser:
        return cls(
            name=value["Name"],
            certificate_der=base64.b64decode(value["Certificate"]),
            permissions={p: set(v["ResourceID"]) for p, v in value["Permissions"].items()},
        )


def users_from_manifest(manifest: Manifest) -> dict[str, CoordinatorUser]:
    """Users with parsed certificates and their permissions (raises for an unparsable cert)."""
    certs = user_certificates(manifest)
    users = {}
    for name, user in manifest.Users.items():
        permissions: dict[str, set[str]] = {}
        for role_name in user.Roles:
            role = manifest.Roles[role_name]
            for action in role.Actions:
                permissions.setdefault(action.lower(), set()).update(role.ResourceNames)
        users[name] = CoordinatorUser(name, certs[name].public_bytes(serialization.Encoding.DER), permissions)
    return users


def match_user(users: Mapping[str, CoordinatorUser], peer_certificates_der: Sequence[bytes]) -> CoordinatorUser:
    """The user whose certificate is one of the peer's, byte for byte."""
    for presented in peer_certificates_der:
        for user in users.values():
            if user.certificate_der == presented:
                return user
    raise Unauthenticated("unauthorized user: client certificate did not match any MarbleRun users",
                          reason="UNKNOWN_USER")


def _names(names: Sequence[str]) -> str:
    return "[" + " ".join(names) + "]"  # Go prints a []string this way


def require_read_secrets(user: CoordinatorUser, names: Sequence[str]) -> None:
    if not user.is_granted(PERMISSION_READ_SECRET, names):
        raise PermissionDenied(f"user {user.name} is not allowed to read one or more secrets of: {_names(names)}",
                               reason="SECRET_READ_DENIED", metadata={"user": user.name})


def require_write_secret(user: CoordinatorUser, name: str) -> None:
    if not user.is_granted(PERMISSION_WRITE_SECRET, [name]):
        raise PermissionDenied(f"user {user.name} is not allowed to update secret: {name}",
                               reason="SECRET_WRITE_DENIED", metadata={"user": user.name, "secret": name})


def require_update_packages(user: CoordinatorUser, packages: Sequence[str]) -> None:
    if not user.is_granted(PERMISSION_UPDATE_SECURITY_VERSION, packages):
        raise PermissionDenied(f"user {user.name} is not allowed to update one or more packages of "
                               f"{_names(packages)}", reason="PACKAGE_UPDATE_DENIED", metadata={"user": user.name})


def require_update_manifest(user: CoordinatorUser) -> None:
    if not user.is_granted(PERMISSION_UPDATE_MANIFEST):
        raise PermissionDenied(f"user {user.name} is not allowed to update the manifest",
                               reason="MANIFEST_UPDATE_DENIED", metadata={"user": user.name})
