"""What a launch request asks for, resolved against images, applications and instance types.

Resources are layered: instance type (or the application's resources, which already sit on its
instance type), then the explicit values on the launch in either spelling. The container runs
only on a node of its image's architecture (an application's: its parent image's).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import sqlite_utils
from google.protobuf import json_format
from switchyard.ams.v1 import containers_pb2 as pb

from core.ams import applications, containers, images, nodes
from core.ams.instance_types import Resources, derive_resources, launch_overrides
from core.ams.runtime import LaunchSpec
from core.errors import FailedPrecondition, InvalidArgument, NotFound


def launch_spec(db: sqlite_utils.Database, request: pb.LaunchContainerRequest) -> LaunchSpec:
    """The container a launch request describes; refuses what can never be launched now (400,
    404) so that only placement can still fail in the operation."""
    overrides = launch_overrides(_explicit_resources(request))
    services = containers.checked_services(json_format.MessageToDict(
        s, preserving_proto_field_name=True) for s in request.services)
    config = containers.checked_config(json_format.MessageToDict(request.config))
    if request.node:
        nodes.load_node(db, request.node)  # 404 now rather than a failed operation later
    common: dict[str, Any] = dict(node=request.node, user_data=request.user_data,
                                  tags=tuple(request.tags))
    if request.app_id:
        target = _application_target(db, request)
        resources = _overridden(target.resources, overrides)
        config = {"boot_package": target.boot_package, "boot_activity": target.boot_activity,
                  **{k: v for k, v in config.items()}}
        config = {k: v for k, v in config.items() if v not in ("", None)}
        return LaunchSpec(
            type=containers.REGULAR, resources=resources, app_id=target.app_id,
            app_version=target.app_version, image_id=target.parent_image_id,
            image_version=target.parent_image_version, architecture=target.architecture,
            node_selector=target.node_selector, video_encoder=target.video_encoder,
            services=services or containers.checked_services(target.services), config=config,
            **common)
    image = _image(db, request)
    version = _image_version(image, request)
    resources = derive_resources(request.instance_type or None, None, overrides)
    return LaunchSpec(type=containers.REGULAR, resources=resources, image_id=image.id,
                      image_version=version, services=services, config=config,
                      architecture=image.architecture, **common)


def _explicit_resources(request: pb.LaunchContainerRequest) -> dict[str, Any]:
    given: dict[str, Any] = {}
    for name, key in (("cpu", "cpu"), ("cpus", "cpus"), ("memory", "memory"),
                      ("disk_size", "disk_size"), ("gpu_slots", "gpu_slots"),
                      ("sdk_gpu_slots", "gpu-slots"), ("vpu_slots", "vpu_slots"),
                      ("sdk_vpu_slots", "vpu-slots")):
        if request.HasField(name):
            given[key] = getattr(request, name)
    return given


def _overridden(base: Resources, overrides) -> Resources:
    values = {f.name: getattr(overrides, f.name) for f in fields(overrides)}
    return replace(base, **{k: v for k, v in values.items() if v is not None})


def _image(db: sqlite_utils.Database, request: pb.LaunchContainerRequest) -> images.Image:
    if request.image_id:
        return images.find_image(db, request.image_id)
    default = [image for image in images.all_images(db) if image.default]
    if not default:
        raise InvalidArgument("either app_id or image_id is required (and there is no default image)",
                              reason="INVALID_CONTAINER", metadata={"field": "image_id"})
    return default[0]


def _image_version(image: images.Image, request: pb.LaunchContainerRequest) -> int:
    usable = [v.version for v in image.versions if v.status_code == images.ACTIVE]
    if request.HasField("image_version"):
        if request.image_version not in [v.version for v in image.versions]:
            raise NotFound(f"image {image.name} has no version {request.image_version}",
                           reason="IMAGE_VERSION_NOT_FOUND", metadata={"id": image.id})
        if request.image_version not in usable:
            raise FailedPrecondition(f"image {image.name} version {request.image_version} is not active",
                                     reason="IMAGE_NOT_READY", metadata={"id": image.id})
        return request.image_version
    if not usable:
        raise FailedPrecondition(f"image {image.name} has no active version", reason="IMAGE_NOT_READY",
                                 metadata={"id": image.id})
    return usable[-1]


def _application_target(db: sqlite_utils.Database, request: pb.LaunchContainerRequest) -> applications.LaunchTarget:
    version = request.app_version if request.HasField("app_version") else None
    return applications.launch_target(db, request.app_id, version)


def application_id_named(db: sqlite_utils.Database, name: str) -> str | None:
    """The id of the application called `name` (the SDK's `app_name` filter); None if none."""
    try:
        return applications.find_application(db, name).id
    except NotFound:
        return None
