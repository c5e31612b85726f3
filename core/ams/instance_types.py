"""Instance types and the resources a container holds.

A container's resources come from three layers, each overriding the one before field by field:
the instance type (or the built-in default), the application's `resources`, and the values given
explicitly on launch. Sizes use the same parser as node sizes so that a node's capacity and a
container's needs are always counted in the same unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from core.ams.sizes import parse_size
from core.errors import InvalidArgument

GB = parse_size("1GB", "unit")


@dataclass(frozen=True)
class Resources:
    cpus: int
    memory: int  # bytes
    disk_size: int  # bytes
    gpu_slots: int = 0
    vpu_slots: int = 0


@dataclass(frozen=True)
class ResourceOverrides:
    """Fields given by one layer; None means "not given, keep what the layer below says"."""

    cpus: int | None = None
    memory: int | None = None
    disk_size: int | None = None
    gpu_slots: int | None = None
    vpu_slots: int | None = None


def _type(cpus: int, gpu_slots: int) -> Resources:
    return Resources(cpus=cpus, memory=3 * GB, disk_size=3 * GB, gpu_slots=gpu_slots)


# The table has been the same in every published AMS release.
INSTANCE_TYPES: dict[str, Resources] = {
    **{f"a{n}.3": _type(n, 0) for n in (2, 4, 6, 8, 10)},
    **{f"g{n}.3": _type(n, 1) for n in (2, 4, 6, 8, 10)},
}
# What AMS uses when neither an instance type nor resources say anything.
DEFAULT_RESOURCES = Resources(cpus=2, memory=3 * GB, disk_size=3 * GB)
# Application resources below these are refused (the documented minimums).
MIN_CPUS, MIN_MEMORY, MIN_DISK = 1, 3 * GB, 3 * GB


def instance_type(name: str, field: str = "instance_type") -> Resources:
    """The resources of the instance type `name`; InvalidArgument naming `field` otherwise."""
    try:
        return INSTANCE_TYPES[name]
    except (KeyError, TypeError):
        raise InvalidArgument(
            f"argument {field} is invalid: {name!r} is not an instance type "
            f"(one of {', '.join(INSTANCE_TYPES)})",
            reason="INVALID_INSTANCE_TYPE", metadata={"field": field}) from None


def application_resources(raw: Mapping[str, Any] | None, field: str = "resources",
                          reason: str = "INVALID_ARGUMENT") -> ResourceOverrides:
    """An application's `resources` block (manifest or JSON PATCH), checked against the
    documented minimums. `gpu-slots`/`vpu-slots` of -1 mean "not set", as AMS reports them."""
    if raw is None:
        return ResourceOverrides()
    if not isinstance(raw, Mapping):
        raise _invalid(field, "must be a mapping", reason)
    known = {"cpus", "memory", "disk-size", "gpu-slots", "vpu-slots"}
    for key in raw:
        if key not in known:
            raise _invalid(f"{field}.{key}", "is not a known resource", reason)
    cpus = _count(raw.get("cpus"), f"{field}.cpus", reason, minimum=MIN_CPUS)
    memory = _size(raw.get("memory"), f"{field}.memory", reason, minimum=MIN_MEMORY)
    disk = _size(raw.get("disk-size"), f"{field}.disk-size", reason, minimum=MIN_DISK)
    gpu = _slots(raw.get("gpu-slots"), f"{field}.gpu-slots", reason)
    vpu = _slots(raw.get("vpu-slots"), f"{field}.vpu-slots", reason)
    return ResourceOverrides(cpus, memory, disk, gpu, vpu)


def launch_overrides(request: Mapping[str, Any]) -> ResourceOverrides:
    """Explicit resources of a container launch, in the document's spelling (`cpu`,
    `gpu_slots`) or the Go SDK's (`cpus`, `gpu-slots`, `vpu-slots`); sizes are bytes.

    The SDK writes Go zero values, so a 0 CPU, memory or disk means "not given"; a 0 GPU slot
    count is a real request for no GPU.
    """
    cpus = _either(request, "cpu", "cpus")
    gpu = _either(request, "gpu_slots", "gpu-slots")
    vpu = _either(request, "vpu_slots", "vpu-slots")
    return ResourceOverrides(
        cpus=_count(cpus or None, "cpus", "INVALID_ARGUMENT", minimum=1),
        memory=_count(request.get("memory") or None, "memory", "INVALID_ARGUMENT", minimum=1),
        disk_size=_count(request.get("disk_size") or None, "disk_size", "INVALID_ARGUMENT",
                         minimum=1),
        gpu_slots=_slots(gpu, "gpu_slots", "INVALID_ARGUMENT"),
        vpu_slots=_slots(vpu, "vpu_slots", "INVALID_ARGUMENT"),
    )


def derive_resources(instance_type_name: str | None = None,
                     application: ResourceOverrides | None = None,
                     request: ResourceOverrides | None = None) -> Resources:
    """Instance type (or the default) overridden by the application's resources, then by the
    launch's explicit values."""
    result = instance_type(instance_type_name) if instance_type_name else DEFAULT_RESOURCES
    for layer in (application, request):
        if layer is None:
            continue
        given = {f.name: getattr(layer, f.name) for f in fields(layer)}
        result = replace(result, **{k: v for k, v in given.items() if v is not None})
    return result


def _either(request: Mapping[str, Any], first: str, second: str) -> Any:
    a, b = request.get(first), request.get(second)
    if a is not None and b is not None and a != b:
        raise InvalidArgument(f"arguments {first} and {second} disagree ({a} vs {b})",
                              metadata={"field": first})
    return a if a is not None else b


def _invalid(field: str, why: str, reason: str) -> InvalidArgument:
    return InvalidArgument(f"argument {field} is invalid: {why}", reason=reason,
                           metadata={"field": field})


def _count(value: Any, field: str, reason: str, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(field, f"{value!r} is not a whole number", reason)
    if value < minimum:
        raise _invalid(field, f"must be at least {minimum}", reason)
    return value


def _size(value: Any, field: str, reason: str, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _invalid(field, f"{value!r} is not a size such as 3GB", reason)
    size = value if isinstance(value, int) else parse_size(value, field)
    if size < minimum:
        raise _invalid(field, f"must be at least {minimum // GB}GB", reason)
    return size


def _slots(value: Any, field: str, reason: str) -> int | None:
    if value is None or value == -1:
        return None
    return _count(value, field, reason, minimum=0)
