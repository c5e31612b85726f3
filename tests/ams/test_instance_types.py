"""Instance types and the layering of a container's resources."""

from __future__ import annotations

import pytest

from core.ams.instance_types import (DEFAULT_RESOURCES, GB, INSTANCE_TYPES, ResourceOverrides,
                                     Resources, application_resources, derive_resources,
                                     instance_type, launch_overrides)
from core.errors import InvalidArgument


def test_the_ten_documented_instance_types() -> None:
    assert sorted(INSTANCE_TYPES) == sorted(
        [f"{kind}{n}.3" for kind in "ag" for n in (2, 4, 6, 8, 10)])
    assert instance_type("a8.3") == Resources(8, 3 * GB, 3 * GB, 0)
    assert instance_type("g2.3") == Resources(2, 3 * GB, 3 * GB, 1)


def test_an_unknown_instance_type_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as caught:
        instance_type("a3.3")
    assert caught.value.reason == "INVALID_INSTANCE_TYPE"
    assert caught.value.metadata == {"field": "instance_type"}


def test_nothing_given_means_two_cpus_and_3gb() -> None:
    assert derive_resources() == DEFAULT_RESOURCES == Resources(2, 3 * GB, 3 * GB)


def test_application_resources_fill_in_the_instance_type() -> None:
    # The documented example: a2.3 with memory 4GB and disk-size 8GB.
    app = application_resources({"memory": "4GB", "disk-size": "8GB"})
    assert derive_resources("a2.3", app) == Resources(2, 4 * GB, 8 * GB, 0)


def test_explicit_launch_values_win_over_both() -> None:
    app = application_resources({"cpus": 4, "memory": "4GB", "gpu-slots": -1})
    request = launch_overrides({"cpu": 6, "disk_size": 10 * GB, "gpu_slots": 0})
    assert derive_resources("g2.3", app, request) == Resources(6, 4 * GB, 10 * GB, 0)


def test_an_application_gpu_slot_of_minus_one_keeps_the_instance_type_slot() -> None:
    assert derive_resources("g4.3", application_resources({"gpu-slots": -1})).gpu_slots == 1


@pytest.mark.parametrize("request_body,expected", [
    ({"cpu": 4, "gpu_slots": 2}, ResourceOverrides(cpus=4, gpu_slots=2)),
    ({"cpus": 4, "gpu-slots": 2, "vpu-slots": 1},
     ResourceOverrides(cpus=4, gpu_slots=2, vpu_slots=1)),
    ({"cpu": 4, "cpus": 4}, ResourceOverrides(cpus=4)),
    # The Go SDK sends zero values: they mean "not given", except a GPU count.
    ({"cpus": 0, "memory": 0, "disk_size": None, "gpu-slots": 0},
     ResourceOverrides(gpu_slots=0)),
    ({"memory": 4 * GB, "disk_size": 5 * GB}, ResourceOverrides(memory=4 * GB, disk_size=5 * GB)),
])
def test_launch_accepts_the_documents_and_the_sdks_spellings(request_body, expected) -> None:
    assert launch_overrides(request_body) == expected


@pytest.mark.parametrize("request_body,field", [
    ({"cpu": 2, "cpus": 4}, "cpu"),
    ({"gpu_slots": 1, "gpu-slots": 2}, "gpu_slots"),
    ({"cpus": -1}, "cpus"),
    ({"cpus": "2"}, "cpus"),
    ({"cpus": True}, "cpus"),
    ({"memory": 1.5}, "memory"),
    ({"gpu_slots": -2}, "gpu_slots"),
])
def test_bad_launch_values_name_their_field(request_body, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        launch_overrides(request_body)
    assert caught.value.metadata["field"] == field


def test_application_resources_may_give_sizes_as_bytes() -> None:
    assert application_resources({"memory": 4 * GB}).memory == 4 * GB
