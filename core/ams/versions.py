"""What deleting one version means for every versioned AMS resource (images, addons and
applications alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from core.errors import FailedPrecondition, NotFound


class _Numbered(Protocol):
    version: int


V = TypeVar("V", bound=_Numbered)


def require_not_last(kind: str, versions: Sequence[object]) -> None:
    """A resource always keeps one version (LP #1913597): the resource itself is deleted instead."""
    if len(versions) == 1:
        raise FailedPrecondition(f"the last version of an {kind} cannot be deleted: delete the {kind}",
                                 reason="LAST_VERSION")


def version_to_delete(kind: str, versions: Sequence[V], number: int) -> V:
    """The version numbered `number`, once it is known to exist and not to be the last."""
    version = next((v for v in versions if v.version == number), None)
    if version is None:
        raise NotFound(f"{kind} version not found", reason=f"{kind.upper()}_VERSION_NOT_FOUND",
                       metadata={"version": str(number)})
    require_not_last(kind, versions)
    return version
