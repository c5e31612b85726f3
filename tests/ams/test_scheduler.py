"""Placement: capacity with allocation rates, strategies, exclusions, and the index's answers
matching a plain scan of every node."""

from __future__ import annotations

import random

import pytest

from core.ams.instance_types import GB
from core.ams.scheduler import (BINPACK, NO_SUITABLE_NODE, SPREAD, Node, Requirements,
                                Scheduler, Usage)
from core.errors import (AlreadyExists, FailedPrecondition, InvalidArgument, NotFound,
                         ResourceExhausted)

A2_3 = Requirements(cpus=2, memory=3 * GB, disk=3 * GB)
G2_3 = Requirements(cpus=2, memory=3 * GB, disk=3 * GB, gpu_slots=1)


def node(name: str, cpus: int = 8, memory: int = 16 * GB, disk: int = 200 * GB, **kw) -> Node:
    return Node(name=name, cpus=cpus, memory=memory, disk=disk, **kw)


def scheduler(*nodes: Node, strategy: str = SPREAD) -> Scheduler:
    s = Scheduler(strategy)
    for n in nodes:
        s.add_node(n)
    return s


def no_suitable_node(call, *args) -> ResourceExhausted:
    with pytest.raises(ResourceExhausted) as caught:
        call(*args)
    assert caught.value.message == NO_SUITABLE_NODE
    assert caught.value.reason == "NO_SUITABLE_NODE"
    return caught.value


def test_the_documented_example_fits_ten_instances_limited_by_memory() -> None:
    # 8 cores x 4 = 32 vCPU, 16 GB x 2 = 32 GB: ten 2 vCPU / 3 GB instances, not eleven.
    s = scheduler(node("lxd0"))
    for _ in range(10):
        assert s.reserve(A2_3) == "lxd0"
    no_suitable_node(s.reserve, A2_3)
    assert s.usage("lxd0") == Usage(20, 30 * GB, 30 * GB, 0)


def test_cpu_capacity_follows_the_allocation_rate() -> None:
    s = scheduler(node("lxd0", cpus=2, memory=100 * GB, cpu_allocation_rate=1.5))
    assert s.reserve(Requirements(3, GB, GB)) == "lxd0"  # 2 x 1.5 = 3 CPUs
    no_suitable_node(s.reserve, Requirements(1, GB, GB))


def test_disk_is_not_overcommitted() -> None:
    s = scheduler(node("lxd0", disk=5 * GB))
    s.reserve(A2_3)
    no_suitable_node(s.reserve, A2_3)


def test_gpu_slots_are_not_overcommitted() -> None:
    s = scheduler(node("gpu0", gpu_slots=1), node("cpu0"))
    assert s.reserve(G2_3) == "gpu0"
    error = no_suitable_node(s.reserve, G2_3)
    assert error.metadata["gpu_slots"] == "1"
    assert s.reserve(A2_3) in ("gpu0", "cpu0")  # CPU and memory are still free


def test_gpu_encoder_slots_are_a_resource_of_their_own() -> None:
    encode = Requirements(cpus=2, memory=3 * GB, disk=3 * GB, gpu_slots=1, gpu_encoder_slots=1)
    s = scheduler(node("render", gpu_slots=4), node("encode", gpu_slots=4, gpu_encoder_slots=1))
    assert s.reserve(encode) == "encode"
    error = no_suitable_node(s.reserve, encode)  # "render" has GPU slots but cannot encode
    assert error.metadata["gpu_encoder_slots"] == "1"
    assert s.usage("encode") == Usage(2, 3 * GB, 3 * GB, 1, 1)
    s.release("encode", encode)
    assert s.reserve(encode) == "encode"


def test_spread_picks_the_least_loaded_node() -> None:
    s = scheduler(node("a"), node("b"), node("c"))
    assert [s.reserve(A2_3) for _ in range(6)] == ["a", "b", "c", "a", "b", "c"]


def test_spread_counts_load_as_a_share_of_capacity() -> None:
    s = scheduler(node("big", cpus=32, memory=64 * GB), node("small"))
    s.commit("big", Requirements(4, 6 * GB, 6 * GB))  # 6 of big's 128 GB: ~5%
    s.commit("small", A2_3)  # 3 of small's 32 GB: ~9%, though it holds less
    assert s.reserve(A2_3) == "big"


def test_binpack_fills_one_node_before_the_next() -> None:
    s = scheduler(node("a"), node("b"), strategy=BINPACK)
    assert [s.reserve(A2_3) for _ in range(12)] == ["a"] * 10 + ["b"] * 2


def test_binpack_picks_the_most_loaded_node_that_still_fits() -> None:
    s = scheduler(node("full"), node("half"), node("empty"), strategy=BINPACK)
    for _ in range(10):
        s.commit("full", A2_3)
    for _ in range(5):
        s.commit("half", A2_3)
    assert s.reserve(A2_3) == "half"


@pytest.mark.parametrize("strategy", [SPREAD, BINPACK])
def test_ties_are_broken_by_name(strategy: str) -> None:
    s = scheduler(node("lxd2"), node("lxd10"), node("lxd1"), strategy=strategy)
    assert s.choose(A2_3) == "lxd1"
    s.remove_node("lxd1")
    assert s.choose(A2_3) == "lxd10"


def test_offline_and_unschedulable_nodes_are_skipped() -> None:
    s = scheduler(node("a", online=False), node("b", unschedulable=True), node("c"))
    assert [s.reserve(A2_3) for _ in range(3)] == ["c"] * 3
    s.update_node(node("a"))
    assert s.reserve(A2_3) == "a"


def test_a_node_going_offline_keeps_its_reservations() -> None:
    s = scheduler(node("a"), node("b"))
    s.commit("a", A2_3)
    s.update_node(node("a", online=False))
    assert s.usage("a") == Usage(2, 3 * GB, 3 * GB, 0)
    assert s.choose(A2_3) == "b"
    s.update_node(node("b", unschedulable=True))
    no_suitable_node(s.choose, A2_3)


def test_a_named_node_must_have_room_and_be_schedulable() -> None:
    s = scheduler(node("a"), node("b", disk=3 * GB), node("c", unschedulable=True))
    assert s.reserve(Requirements(2, 3 * GB, 3 * GB, node="b")) == "b"
    error = no_suitable_node(s.reserve, Requirements(2, 3 * GB, 3 * GB, node="b"))
    assert error.metadata["node"] == "b"
    no_suitable_node(s.reserve, Requirements(2, 3 * GB, 3 * GB, node="c"))
    with pytest.raises(NotFound):
        s.reserve(Requirements(2, 3 * GB, 3 * GB, node="nope"))


def test_node_selector_and_architecture_filter_nodes() -> None:
    s = scheduler(node("a", tags=frozenset({"fast"}), architecture="aarch64"),
                  node("b", tags=frozenset({"fast", "gpu"}), architecture="x86_64"), node("c"))
    assert s.choose(Requirements(2, GB, GB, node_selector=frozenset({"fast"}),
                                 architecture="x86_64")) == "b"
    assert s.choose(Requirements(2, GB, GB, node_selector=frozenset({"fast"}))) == "a"
    no_suitable_node(s.choose, Requirements(2, GB, GB, node_selector=frozenset({"slow"})))


def test_choose_reserves_nothing_and_commit_checks_again() -> None:
    s = scheduler(node("a", disk=3 * GB))
    assert s.choose(A2_3) == s.choose(A2_3) == "a"
    assert s.usage("a") == Usage()
    s.commit("a", A2_3)
    no_suitable_node(s.commit, "a", A2_3)  # a racing commit for the same room loses


def test_release_gives_capacity_back() -> None:
    s = scheduler(node("a", disk=3 * GB))
    s.reserve(A2_3)
    s.release("a", A2_3)
    assert s.usage("a") == Usage()
    assert s.reserve(A2_3) == "a"


def test_an_errored_container_keeps_its_disk() -> None:
    s = scheduler(node("a", disk=3 * GB))
    s.reserve(A2_3)
    s.release("a", Requirements(A2_3.cpus, A2_3.memory, 0))
    assert s.usage("a") == Usage(0, 0, 3 * GB, 0)
    no_suitable_node(s.reserve, A2_3)


def test_releasing_more_than_held_is_a_bookkeeping_error() -> None:
    s = scheduler(node("a"))
    with pytest.raises(FailedPrecondition) as caught:
        s.release("a", A2_3)
    assert caught.value.reason == "RESERVATION_UNDERFLOW"


def test_a_rebuilt_scheduler_starts_from_the_stored_usage() -> None:
    s = Scheduler()
    s.add_node(node("a"), used=Usage(20, 30 * GB, 30 * GB, 0))
    no_suitable_node(s.reserve, A2_3)
    with pytest.raises(AlreadyExists):
        s.add_node(node("a"))


def test_shrinking_a_node_below_its_usage_stops_placement_there() -> None:
    s = scheduler(node("a"), node("b"))
    s.commit("a", A2_3)
    s.update_node(node("a", memory=GB))
    assert [s.reserve(A2_3) for _ in range(3)] == ["b"] * 3


def test_switching_strategy_reorders_the_nodes() -> None:
    s = scheduler(node("a"), node("b"))
    s.commit("b", A2_3)
    assert s.choose(A2_3) == "a"
    s.set_strategy(BINPACK)
    assert s.choose(A2_3) == "b"


def test_bad_input_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        Scheduler("roundrobin")
    with pytest.raises(InvalidArgument):
        scheduler(node("a")).choose(Requirements(-1, GB, GB))
    no_suitable_node(Scheduler().choose, A2_3)  # an empty cluster


@pytest.mark.parametrize("strategy", [SPREAD, BINPACK])
@pytest.mark.parametrize("seed", range(6))
def test_the_index_agrees_with_a_scan_of_every_node(strategy: str, seed: int) -> None:
    """Random clusters and operations: each placement equals the plain definition (the best
    key among all nodes that fit), whichever search path the index takes."""
    rng = random.Random(seed)
    s = Scheduler(strategy)
    nodes: dict[str, Node] = {}
    held: list[tuple[str, Requirements]] = []
    for i in range(rng.choice([5, 40, 300])):
        n = node(f"n{i:03d}", cpus=rng.choice([2, 4, 8]), memory=rng.choice([4, 8, 16]) * GB,
                 disk=rng.choice([6, 20, 60]) * GB, gpu_slots=rng.choice([0, 0, 0, 1, 2]),
                 gpu_encoder_slots=rng.choice([0, 1, 2]), online=rng.random() > 0.1, unschedulable=rng.random() < 0.1,
                 tags=frozenset(rng.sample(["x", "y"], rng.randint(0, 2))))
        nodes[n.name] = n
        s.add_node(n)
    for _ in range(600):
        roll = rng.random()
        if roll < 0.15 and held:
            name, req = held.pop(rng.randrange(len(held)))
            s.release(name, req)
            continue
        if roll < 0.2:
            n = rng.choice(list(nodes.values()))
            n = node(n.name, n.cpus, n.memory, n.disk, gpu_slots=n.gpu_slots,
                     gpu_encoder_slots=n.gpu_encoder_slots, online=rng.random() > 0.1, tags=n.tags)
            nodes[n.name] = n
            s.update_node(n)
            continue
        gpu = rng.choice([0, 0, 1])
        req = Requirements(rng.choice([1, 2, 4]), rng.choice([1, 3]) * GB,
                           rng.choice([0, 3]) * GB, gpu_slots=gpu, gpu_encoder_slots=gpu * rng.choice([0, 1]),
                           node_selector=frozenset(rng.sample(["x"], rng.randint(0, 1))))
        expected = _reference(s, nodes, req, strategy)
        if expected is None:
            no_suitable_node(s.reserve, req)
        else:
            assert s.reserve(req) == expected
            held.append((expected, req))


def _reference(s: Scheduler, nodes: dict[str, Node], req: Requirements,
               strategy: str) -> str | None:
    best = None
    for n in nodes.values():
        used = s.usage(n.name)
        cap = n.capacity
        fits = (n.online and not n.unschedulable and req.node_selector <= n.tags
                and used.cpus + req.cpus <= cap[0] and used.memory + req.memory <= cap[1]
                and used.disk + req.disk <= cap[2] and used.gpu_slots + req.gpu_slots <= cap[3]
                and used.gpu_encoder_slots + req.gpu_encoder_slots <= cap[4])
        if not fits:
            continue
        load = max(used.cpus / cap[0], used.memory / cap[1], used.disk / cap[2])
        key = (load if strategy == SPREAD else -load, n.name)
        best = key if best is None or key < best else best
    return best[1] if best else None
