"""Every manifest key and its rule, through real packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.ams.instance_types import GB
from core.ams.packages import (validate_addon_package, validate_application_package,
                               validate_image_package)
from core.errors import InvalidArgument
from tests.ams import tarballs as t

FULL_MANIFEST = """\
name: my.app_1-x
version: "2.0"
instance-type: g4.3
image: android13
addons: [ssh, camera]
tags: [game]
boot-package: com.example.game
boot-activity: com.example.game.Main
required-permissions: ["*"]
video-encoder: gpu
watchdog:
  disabled: false
  allowed-packages: [com.android.settings, com.example.helper]
services:
  - name: adb
    port: 5559
    protocols: [tcp]
    expose: false
  - name: stream
    port: 6000
    port_end: 6010
    protocols: [tcp, udp]
    expose: true
resources:
  cpus: 6
  memory: 4GB
  disk-size: 8GB
  gpu-slots: 2
extra-data:
  game-data:
    target: /sdcard/Android/obb/com.example.game
    owner: "1000:1000"
    permissions: 0660
hooks:
  timeout: 10m
bootstrap:
  keep: ["data/*.bin"]
features: [enable_virtual_keyboard]
node-selector: [gpu, fast]
"""


def app(tmp_path: Path, manifest: str, extra=()) -> Path:
    return t.application(tmp_path / "app.tar.bz2", manifest, extra=extra)


def refused(tmp_path: Path, manifest: str, extra=()) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        validate_application_package(app(tmp_path, manifest, extra))
    return caught.value


def test_every_documented_application_key_is_read(tmp_path: Path) -> None:
    extra = [t.folder("extra-data"), t.file("extra-data/game-data", "x"),
             t.folder("hooks"), t.file("hooks/pre-start", "#!/bin/sh\n", mode=0o755)]
    m = validate_application_package(app(tmp_path, FULL_MANIFEST, extra)).manifest
    assert (m.name, m.version, m.instance_type, m.image) == (
        "my.app_1-x", "2.0", "g4.3", "android13")
    assert m.addons == ("ssh", "camera") and m.tags == ("game",)
    assert (m.boot_package, m.boot_activity) == ("com.example.game", "com.example.game.Main")
    assert m.required_permissions == ("*",) and m.video_encoder == "gpu"
    assert m.watchdog.allowed_packages == ("com.android.settings", "com.example.helper")
    assert [(s.name, s.port, s.port_end, s.protocols, s.expose) for s in m.services] == [
        ("adb", 5559, None, ("tcp",), False), ("stream", 6000, 6010, ("tcp", "udp"), True)]
    assert (m.resources.cpus, m.resources.memory, m.resources.disk_size,
            m.resources.gpu_slots) == (6, 4 * GB, 8 * GB, 2)
    [data] = m.extra_data
    assert (data.name, data.owner, data.permissions) == ("game-data", "1000:1000", "0660")
    assert m.hook_timeout == 600 and m.bootstrap_keep == ("data/*.bin",)
    assert m.features == ("enable_virtual_keyboard",) and m.node_selector == ("gpu", "fast")


def test_defaults_of_a_minimal_manifest(tmp_path: Path) -> None:
    m = validate_application_package(app(tmp_path, "name: tiny\n")).manifest
    assert (m.video_encoder, m.hook_timeout, m.watchdog.disabled) == ("gpu-preferred", 300, False)
    assert m.resources.cpus is None


def test_an_empty_hooks_timeout_keeps_the_default(tmp_path: Path) -> None:
    m = validate_application_package(app(tmp_path, "name: a\nhooks:\n  timeout: ''\n")).manifest
    assert m.hook_timeout == 300


@pytest.mark.parametrize("manifest,key,words", [
    ("version: '1'\n", "name", "is required"),
    ("name: 'my app'\n", "name", "letters, digits"),
    ("name: a/b\n", "name", "letters, digits"),
    ("name: a\nversion: " + "x" * 51 + "\n", "version", "at most 50"),
    ("name: a\ninstance-type: a3.3\n", "instance-type", "not an instance type"),
    ("name: a\naddons: ssh\n", "addons", "list of strings"),
    ("name: a\naddons: [ssh, ssh]\n", "addons", "more than once"),
    ("name: a\naddons: ['bad name']\n", "addons[0]", "letters, digits"),
    ("name: a\ntags: [[x]]\n", "tags[0]", "must be a string"),
    ("name: a\nboot-package: notapackage\n", "boot-package", "Android package"),
    ("name: a\nrequired-permissions: {a: b}\n", "required-permissions", "list of strings"),
    ("name: a\nvideo-encoder: hardware\n", "video-encoder", "must be one of"),
    ("name: a\nwatchdog: [x]\n", "watchdog", "mapping"),
    ("name: a\nwatchdog: {disabled: maybe}\n", "watchdog.disabled", "true or false"),
    ("name: a\nwatchdog: {allowed-packages: ['*', com.a.b]}\n", "watchdog.allowed-packages",
     "may not be mixed"),
    ("name: a\nwatchdog: {allowed-packages: [settings]}\n", "watchdog.allowed-packages",
     "Android package"),
    ("name: a\nwatchdog: {enabled: true}\n", "watchdog.enabled", "unknown key"),
    ("name: a\nservices: {name: x}\n", "services", "list of services"),
    ("name: a\nservices: [{port: 22}]\n", "services[0].name", "is required"),
    ("name: a\nservices: [{name: s}]\n", "services[0].port", "is required"),
    ("name: a\nservices: [{name: s, port: 70000}]\n", "services[0].port", "between 1 and 65535"),
    ("name: a\nservices: [{name: s, port: 10, port_end: 5}]\n", "services[0].port_end",
     "not be below"),
    ("name: a\nservices: [{name: s, port: 1, protocols: [sctp]}]\n", "services[0].protocols",
     "tcp or udp"),
    ("name: a\nservices: [{name: s, port: 1, expose: yes please}]\n", "services[0].expose",
     "true or false"),
    ("name: a\nservices: [{name: s, port: 1}, {name: s, port: 2}]\n", "services[1].name",
     "declared twice"),
    ("name: a\nresources: {cpus: 0}\n", "resources.cpus", "at least 1"),
    ("name: a\nresources: {cpus: two}\n", "resources.cpus", "whole number"),
    ("name: a\nresources: {memory: 2GB}\n", "resources.memory", "at least 3GB"),
    ("name: a\nresources: {memory: lots}\n", "resources.memory", "not a size"),
    ("name: a\nresources: {disk-size: 1GB}\n", "resources.disk-size", "at least 3GB"),
    ("name: a\nresources: {gpu-slots: -3}\n", "resources.gpu-slots", "at least 0"),
    ("name: a\nresources: {ram: 4GB}\n", "resources.ram", "not a known resource"),
    ("name: a\nextra-data: {d: {owner: '1:1'}}\n", "extra-data.d.target", "is required"),
    ("name: a\nextra-data: {d: {target: /etc/passwd}}\n", "extra-data.d.target", "must lie under"),
    ("name: a\nextra-data: {d: {target: /data/data/../../etc}}\n", "extra-data.d.target",
     "must lie under"),
    ("name: a\nextra-data: {d: {target: /data/data/com.a, owner: root}}\n", "extra-data.d.owner",
     "uid:gid"),
    ("name: a\nextra-data: {d: {target: /data/data/com.a, permissions: rwx}}\n",
     "extra-data.d.permissions", "octal"),
    ("name: a\nextra-data: {missing: {target: /data/data/com.a}}\n", "extra-data.missing",
     "not in the package"),
    ("name: a\nhooks: {timeout: 20m}\n", "hooks.timeout", "at most 15m"),
    ("name: a\nhooks: {timeout: -5m}\n", "hooks.timeout", "not a duration"),
    ("name: a\nhooks: {timeout: soon}\n", "hooks.timeout", "not a duration"),
    ("name: a\nhooks: {retries: 3}\n", "hooks.retries", "unknown key"),
    ("name: a\nbootstrap: {keep: [/etc/passwd]}\n", "bootstrap.keep", "inside the app folder"),
    ("name: a\nbootstrap: {keep: ['../x']}\n", "bootstrap.keep", "inside the app folder"),
    ("name: a\nfeatures: x\n", "features", "list of strings"),
    ("name: a\nnode-selector: [gpu, gpu]\n", "node-selector", "more than once"),
    ("name: a\nabi: x86_64\n", "abi", "unknown key"),
])
def test_each_application_key_rule(tmp_path: Path, manifest: str, key: str, words: str) -> None:
    error = refused(tmp_path, manifest)
    assert error.reason == "INVALID_MANIFEST"
    assert error.metadata["key"] == key
    assert words in error.message


@pytest.mark.parametrize("manifest,words", [
    ("name: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "YAML mapping"),
    ("!!python/object/apply:os.system ['true']\n", "not valid YAML"),
])
def test_manifests_are_loaded_safely(tmp_path: Path, manifest: str, words: str) -> None:
    error = refused(tmp_path, manifest)
    assert (error.reason, error.metadata["file"]) == ("INVALID_MANIFEST", "manifest.yaml")
    assert words in error.message


def test_an_app_apk_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    path = t.tarball(tmp_path / "a.tar.bz2", [t.file("manifest.yaml", "name: a\n"),
                                              t.folder("app.apk")])
    with pytest.raises(InvalidArgument, match="app.apk must be a regular file"):
        validate_application_package(path)


def test_an_application_without_apk_is_accepted(tmp_path: Path) -> None:
    path = t.tarball(tmp_path / "a.tar.bz2", [t.file("manifest.yaml", "name: a\nimage: x\n")])
    assert not validate_application_package(path).has_apk


# Addons


def addon_refused(path: Path, **kwargs) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        validate_addon_package(path, **kwargs)
    return caught.value


def test_an_addon_reads_its_keys_and_hooks(tmp_path: Path) -> None:
    manifest = ("name: my-addon\ndescription: d\nprovides:\n  abi-support: [arm64-v8a]\n"
                "hooks:\n  timeout: 90s\n")
    hooks = [t.folder("hooks"), t.file("hooks/pre-start", "#!/bin/sh\n", 0o755),
             t.file("hooks/post-stop", "#!/bin/sh\n", 0o755), t.file("hooks/README", "notes")]
    package = validate_addon_package(t.addon(tmp_path / "a", manifest, hooks=hooks),
                                     expected_name="my-addon")
    assert package.manifest.abi_support == ("arm64-v8a",)
    assert package.manifest.hook_timeout == 90
    assert package.hooks == ("post-stop", "pre-start")


def test_an_addon_with_only_the_old_install_hook_is_accepted(tmp_path: Path) -> None:
    assert validate_addon_package(t.addon(tmp_path / "a")).hooks == ("install",)


def test_an_addon_needs_a_known_hook(tmp_path: Path) -> None:
    hooks = [t.folder("hooks"), t.file("hooks/setup", "#!/bin/sh\n", 0o755)]
    error = addon_refused(t.addon(tmp_path / "a", hooks=hooks))
    assert (error.reason, error.metadata["member"]) == ("INVALID_PACKAGE", "hooks")


def test_an_addon_hook_must_be_executable(tmp_path: Path) -> None:
    hooks = [t.file("hooks/install", "#!/bin/sh\n", 0o644)]
    error = addon_refused(t.addon(tmp_path / "a", hooks=hooks))
    assert error.metadata["member"] == "hooks/install"
    assert "executable" in error.message


def test_the_requested_addon_name_must_match_the_manifest(tmp_path: Path) -> None:
    error = addon_refused(t.addon(tmp_path / "a"), expected_name="other")
    assert error.metadata["key"] == "name"
    assert "got my-addon but expected other" in error.message


@pytest.mark.parametrize("manifest,key", [
    ("description: no name\n", "name"),
    ("name: a b\n", "name"),
    ("name: a\nprovides: {abi-support: [mips]}\n", "provides.abi-support"),
    ("name: a\nprovides: {abi: [arm64-v8a]}\n", "provides.abi"),
    ("name: a\nhooks: {timeout: 1h}\n", "hooks.timeout"),
    ("name: a\nversion: 3\n", "version"),
])
def test_each_addon_key_rule(tmp_path: Path, manifest: str, key: str) -> None:
    error = addon_refused(t.addon(tmp_path / "a", manifest))
    assert (error.reason, error.metadata["key"]) == ("INVALID_MANIFEST", key)


# Images


def image_refused(path: Path) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        validate_image_package(path)
    return caught.value


def test_an_image_reads_its_metadata_and_templates(tmp_path: Path) -> None:
    metadata = t.IMAGE_METADATA.replace("x86_64", "arm64") + (
        "templates:\n  /etc/hostname:\n    when: [create]\n    template: hostname.tpl\n")
    path = t.image(tmp_path / "i.tar.gz", metadata, compression="gzip",
                   extra=[t.folder("templates"), t.file("templates/hostname.tpl", "{{ name }}")])
    package = validate_image_package(path)
    assert package.metadata.architecture == "aarch64"
    assert package.metadata.templates == ("hostname.tpl",)
    assert package.metadata.properties == {"description": "test image"}


def test_an_image_without_rootfs_is_refused(tmp_path: Path) -> None:
    error = image_refused(t.image(tmp_path / "i", rootfs=False))
    assert (error.reason, error.metadata["member"]) == ("INVALID_PACKAGE", "rootfs")


def test_an_image_without_metadata_is_refused(tmp_path: Path) -> None:
    path = t.tarball(tmp_path / "i.tar.xz", [t.folder("rootfs")], "xz")
    assert image_refused(path).metadata["member"] == "metadata.yaml"


@pytest.mark.parametrize("metadata,key", [
    ("creation_date: 1\n", "architecture"),
    ("architecture: mips\ncreation_date: 1\n", "architecture"),
    ("architecture: x86_64\n", "creation_date"),
    ("architecture: x86_64\ncreation_date: yesterday\n", "creation_date"),
    ("architecture: x86_64\ncreation_date: 1\nexpiry_date: -1\n", "expiry_date"),
    ("architecture: x86_64\ncreation_date: 1\nproperties: {a: [1]}\n", "properties.a"),
    ("architecture: x86_64\ncreation_date: 1\ntemplates: {/etc/x: {when: [create]}}\n",
     "templates./etc/x.template"),
    ("architecture: x86_64\ncreation_date: 1\ntemplates: {/etc/x: {template: x.tpl}}\n",
     "templates.x.tpl"),
])
def test_each_image_metadata_rule(tmp_path: Path, metadata: str, key: str) -> None:
    error = image_refused(t.image(tmp_path / "i", metadata))
    assert (error.reason, error.metadata["key"], error.metadata["file"]) == (
        "INVALID_MANIFEST", key, "metadata.yaml")
