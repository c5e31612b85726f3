"""Building one application version (notes 2.5): a temporary base container on a node the
scheduler picks runs the bootstrap steps, is published as the version's image and removed.

The version and its application move `initializing → active/ready` or `error` with the
reason kept in `error_message`; a failed application stays inspectable and deletable.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from core.ams import applications as apps
from core.ams import images
from core.ams.config import setting
from core.ams.runtime import ContainerRuntime, LaunchSpec
from core.errors import SwitchyardError
from core.storage import Database

log = logging.getLogger("switchyard.ams.bootstrap")


def bootstrap_steps(version: apps.AppVersion, security_updates: bool) -> tuple[str, ...]:
    """The steps of notes 2.5 in their order; those with nothing to do are left out."""
    manifest = version.parsed
    steps = ["setup-network"]
    if security_updates:
        steps.append("security-updates")
    if version.addons:
        steps.append("install-addons")
    steps.append("start-android")
    if version.has_apk:
        steps.append("install-apk")
    if manifest.required_permissions:
        steps.append("grant-permissions")
    if manifest.extra_data:
        steps.append("install-extra-data")
    if version.addons:
        steps.append("prepare-addons")
    return tuple(steps)


class Bootstrap:
    def __init__(self, db: Database, runtime: ContainerRuntime,
                 forget_blob: Callable[[str], Awaitable[None]]) -> None:
        self._db = db
        self._runtime = runtime
        self._forget_blob = forget_blob

    async def build(self, app_id: str, number: int) -> None:
        """Build the version and record the outcome; raises the failure (with the text kept in
        the version's error_message) so that the operation ends `Failure` with it in `err`."""
        app = await self._db.read(lambda db: apps.load_application(db, app_id))
        version = app.version(number)
        security = await self._db.read(lambda db: setting(db, "container.security_updates"))
        parent = await self._db.read(lambda db: images.find_image(db, version.parent_image_id))
        spec = LaunchSpec(type="base", resources=app.launch_resources(), image_id=version.parent_image_id,
                          image_version=version.parent_image_version, app_id=app.id, app_version=number,
                          node_selector=frozenset(app.node_selector), architecture=parent.architecture)
        container_id = ""
        try:
            container_id = await self._runtime.create(spec)
            await self._runtime.start(container_id)
            for step in bootstrap_steps(version, security):
                await self._runtime.run_step(container_id, step)
            fingerprint = await self._runtime.publish(container_id)
        except SwitchyardError as error:
            await self._record_failure(app_id, number, error.message)
            await self._remove(container_id)
            raise
        except BaseException:
            # Cancelled or crashed half-way: never leave the version "initializing" (AC-644).
            await self._record_failure(app_id, number, "bootstrap was interrupted")
            await self._remove(container_id)
            raise
        await self._remove(container_id)
        removed = await self._db.write(lambda db: _activate(db, app_id, number, fingerprint))
        await forget_versions(removed, self._forget_blob)

    async def _record_failure(self, app_id: str, number: int, message: str) -> None:
        def fail(db) -> None:
            apps.finish_version(db, app_id, number, status_code=images.ERROR, error_message=message)
            apps.set_status(db, app_id, apps.APP_ERROR)

        log.warning("application %s version %d failed to build: %s", app_id, number, message)
        await self._db.write(fail)

    async def _remove(self, container_id: str) -> None:
        """The base container is temporary; its failure is kept on the version instead."""
        if not container_id:
            return
        try:
            await self._runtime.delete(container_id, force=True)
        except SwitchyardError as error:
            log.warning("base container %s was not removed: %s", container_id, error.message)


async def forget_versions(versions: list[apps.AppVersion], forget_blob: Callable[[str], Awaitable[None]]) -> None:
    for version in versions:
        await forget_blob(version.package_fingerprint)
        if version.image_fingerprint:
            await forget_blob(version.image_fingerprint)


def _activate(db, app_id: str, number: int, fingerprint: str) -> list[apps.AppVersion]:
    """The version is active, the application ready; auto_publish and the published-version
    limit apply in the same transaction so no reader sees one without the other."""
    apps.finish_version(db, app_id, number, status_code=images.ACTIVE, image_fingerprint=fingerprint)
    apps.set_status(db, app_id, apps.APP_READY)
    if setting(db, "application.auto_publish"):
        apps.set_published(db, app_id, number, True)
        return enforce_published_limit(db, app_id)
    return []


def enforce_published_limit(db, app_id: str, keep: int | None = None) -> list[apps.AppVersion]:
    """Remove the oldest published versions beyond `application.max_published_versions`
    (0: no limit); neither the newest version nor `keep` (just published) is removed.
    Answers what was removed."""
    limit = setting(db, "application.max_published_versions")
    app = apps.load_application(db, app_id)
    published = [v for v in app.versions if v.published]
    if not limit or len(published) <= limit:
        return []
    spared = {app.latest.number, keep}
    removable = [v for v in published if v.number not in spared]
    removed = removable[: len(published) - limit]
    for version in removed:
        apps.remove_version(db, app_id, version.number)
    return removed
