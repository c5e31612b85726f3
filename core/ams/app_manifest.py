"""The application `manifest.yaml`: a plain model and one function that checks every key."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.ams import manifest_rules as rules
from core.ams.instance_types import ResourceOverrides, application_resources, instance_type
from core.ams.manifest_rules import manifest_error
from core.errors import InvalidArgument

KEYS = {
    "name", "version", "instance-type", "image", "addons", "tags", "boot-package",
    "boot-activity", "required-permissions", "video-encoder", "watchdog", "services",
    "resources", "extra-data", "hooks", "bootstrap", "features", "node-selector",
}
VIDEO_ENCODERS = ("gpu", "gpu-preferred", "software", "vpu")
PROTOCOLS = ("tcp", "udp")
MAX_VERSION_LENGTH = 50
# extra-data may only land in an app's own storage areas.
EXTRA_DATA_ROOTS = ("/sdcard/Android/obb/", "/sdcard/Android/data/", "/data/app/", "/data/data/")
_OWNER = re.compile(r"^\d+:\d+$")
_PERMISSIONS = re.compile(r"^0?[0-7]{3,4}$")


@dataclass(frozen=True)
class Watchdog:
    disabled: bool = False
    allowed_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    port_end: int | None
    protocols: tuple[str, ...]
    expose: bool


@dataclass(frozen=True)
class ExtraData:
    name: str
    target: str
    owner: str
    permissions: str


@dataclass(frozen=True)
class ApplicationManifest:
    name: str
    version: str = ""
    instance_type: str = ""
    image: str = ""
    addons: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    boot_package: str = ""
    boot_activity: str = ""
    required_permissions: tuple[str, ...] = ()
    video_encoder: str = "gpu-preferred"
    watchdog: Watchdog = Watchdog()
    services: tuple[Service, ...] = ()
    resources: ResourceOverrides = ResourceOverrides()
    extra_data: tuple[ExtraData, ...] = ()
    hook_timeout: float = rules.DEFAULT_HOOK_TIMEOUT  # seconds
    bootstrap_keep: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    node_selector: tuple[str, ...] = ()


def parse_application_manifest(document: Mapping[str, Any]) -> ApplicationManifest:
    """Check every key of an application manifest; InvalidArgument names the first bad one."""
    rules.reject_unknown(document, KEYS)
    kind = rules.optional_string(document, "instance-type")
    if kind:
        try:
            instance_type(kind, "instance-type")
        except InvalidArgument as exc:  # re-raised as a manifest error naming the key
            raise rules.from_argument_error(exc, "instance-type") from exc
    boot_package = rules.optional_string(document, "boot-package")
    if boot_package and not rules.ANDROID_PACKAGE.match(boot_package):
        raise manifest_error("boot-package", f"{boot_package!r} is not an Android package name")
    encoder = rules.optional_string(document, "video-encoder") or "gpu-preferred"
    if encoder not in VIDEO_ENCODERS:
        raise manifest_error("video-encoder", f"must be one of {', '.join(VIDEO_ENCODERS)}")
    addons = rules.string_list(document.get("addons"), "addons", unique=True)
    for i, addon in enumerate(addons):
        rules.name(addon, f"addons[{i}]")
    try:
        resources = application_resources(document.get("resources"), "resources",
                                           reason=rules.INVALID_MANIFEST)
    except InvalidArgument as exc:
        raise rules.from_argument_error(exc, "resources") from exc
    return ApplicationManifest(
        name=rules.name(document.get("name")),
        version=rules.optional_string(document, "version", max_length=MAX_VERSION_LENGTH),
        instance_type=kind,
        image=rules.optional_string(document, "image"),
        addons=addons,
        tags=rules.string_list(document.get("tags"), "tags"),
        boot_package=boot_package,
        boot_activity=rules.optional_string(document, "boot-activity"),
        required_permissions=rules.string_list(document.get("required-permissions"),
                                               "required-permissions"),
        video_encoder=encoder,
        watchdog=_watchdog(document.get("watchdog")),
        services=_services(document.get("services")),
        resources=resources,
        extra_data=_extra_data(document.get("extra-data")),
        hook_timeout=rules.hooks_block(document.get("hooks")),
        bootstrap_keep=_bootstrap(document.get("bootstrap")),
        features=rules.string_list(document.get("features"), "features", unique=True),
        node_selector=rules.string_list(document.get("node-selector"), "node-selector",
                                        unique=True),
    )


def _watchdog(value: Any) -> Watchdog:
    block = rules.mapping(value, "watchdog")
    rules.reject_unknown(block, {"disabled", "allowed-packages"}, "watchdog.")
    packages = rules.string_list(block.get("allowed-packages"), "watchdog.allowed-packages")
    if "*" in packages and len(packages) > 1:
        raise manifest_error("watchdog.allowed-packages", "'*' may not be mixed with names")
    for package in packages:
        if package != "*" and not rules.ANDROID_PACKAGE.match(package):
            raise manifest_error("watchdog.allowed-packages",
                                 f"{package!r} is not an Android package name")
    return Watchdog(rules.boolean(block.get("disabled"), "watchdog.disabled"), packages)


def _services(value: Any) -> tuple[Service, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise manifest_error("services", "must be a list of services")
    services: list[Service] = []
    for i, raw in enumerate(value):
        key = f"services[{i}]"
        block = rules.mapping(raw, key)
        rules.reject_unknown(block, {"name", "port", "port_end", "protocols", "expose"}, key + ".")
        service_name = rules.string(block.get("name") or "", f"{key}.name")
        if not service_name:
            raise manifest_error(f"{key}.name", "is required")
        if any(s.name == service_name for s in services):
            raise manifest_error(f"{key}.name", f"service {service_name} is declared twice")
        port = _port(block.get("port"), f"{key}.port")
        if port is None:
            raise manifest_error(f"{key}.port", "is required")
        port_end = _port(block.get("port_end"), f"{key}.port_end")
        if port_end is not None and port_end < port:
            raise manifest_error(f"{key}.port_end", "must not be below port")
        protocols = rules.string_list(block.get("protocols"), f"{key}.protocols", unique=True)
        for protocol in protocols:
            if protocol not in PROTOCOLS:
                raise manifest_error(f"{key}.protocols", f"{protocol!r} is not tcp or udp")
        services.append(Service(service_name, port, port_end, protocols or ("tcp",),
                                rules.boolean(block.get("expose"), f"{key}.expose")))
    return tuple(services)


def _port(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise manifest_error(key, "must be a port number between 1 and 65535")
    return value


def _extra_data(value: Any) -> tuple[ExtraData, ...]:
    items: list[ExtraData] = []
    for item_name, raw in rules.mapping(value, "extra-data").items():
        key = f"extra-data.{item_name}"
        if not isinstance(item_name, str) or "/" in item_name or item_name in ("", ".", ".."):
            raise manifest_error(key, "must name one entry of the extra-data folder")
        block = rules.mapping(raw, key)
        rules.reject_unknown(block, {"target", "owner", "permissions"}, key + ".")
        target = rules.optional_string(block, "target")
        if not target:
            raise manifest_error(f"{key}.target", "is required")
        normal = posixpath.normpath(target)
        root = next((r for r in EXTRA_DATA_ROOTS if normal.startswith(r)), None)
        if root is None or normal != target.rstrip("/") or len(normal) == len(root):
            raise manifest_error(f"{key}.target", "must lie under /sdcard/Android/obb/<package>, "
                                 "/sdcard/Android/data/<package>, /data/app/<package> or "
                                 "/data/data/<package>")
        owner = rules.optional_string(block, "owner")
        if owner and not _OWNER.match(owner):
            raise manifest_error(f"{key}.owner", "must be uid:gid")
        # YAML reads an unquoted 0660 as the octal number 432; keep the octal spelling.
        raw_permissions = block.get("permissions")
        permissions = (format(raw_permissions, "04o") if isinstance(raw_permissions, int)
                       and not isinstance(raw_permissions, bool)
                       else rules.optional_string(block, "permissions"))
        if permissions and not _PERMISSIONS.match(permissions):
            raise manifest_error(f"{key}.permissions", "must be an octal mode such as 0660")
        items.append(ExtraData(item_name, target, owner, permissions))
    return tuple(items)


def _bootstrap(value: Any) -> tuple[str, ...]:
    block = rules.mapping(value, "bootstrap")
    rules.reject_unknown(block, {"keep"}, "bootstrap.")
    keep = rules.string_list(block.get("keep"), "bootstrap.keep")
    for pattern in keep:
        if pattern.startswith("/") or ".." in pattern.split("/"):
            raise manifest_error("bootstrap.keep", f"{pattern!r} must stay inside the app folder")
    return keep
