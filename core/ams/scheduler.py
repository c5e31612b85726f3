"""Container placement: which node a container with given requirements goes to.

Capacity of a node is `cpus × cpu_allocation_rate` CPUs, `memory × memory_allocation_rate`
bytes of memory, its disk, its GPU slots and its GPU encoder slots; disk and both kinds of GPU
slot are never overcommitted.
Only nodes that are online and schedulable take new containers.

Strategies (config `scheduler.strategy`) rank the nodes that fit by their *load*, the highest
of their CPU, memory and disk utilisation: `spread` picks the least loaded node, `binpack` the
most loaded one that still fits, so nodes fill one at a time. Ties go to the first name.

Placement must not grow with the cluster, so nothing here walks every node. The scheduler keeps
ordered indexes that each reservation updates in O(log n):
  * the nodes ordered by the strategy's key (load, name), and the same for just the nodes
    with a free GPU slot, so GPU requests never walk past the (usually many) nodes without;
  * for each resource, the nodes ordered by their free amount, which answers "how many nodes
    have enough of X" by bisection: zero means nothing fits, a handful means scanning just those
    is cheaper than walking the load order;
  * the largest capacity of each resource, which gives the highest load a node can have and
    still fit the request, so binpack starts its walk past the nodes too full to take it.

The scheduler is plain in-memory state and not thread-safe: one event loop (or a lock) owns it.
A caller that must persist the placement has two ways to keep both in step:
  * `reserve()` before the database transaction and `release()` if that transaction fails;
  * `choose()` (pure) inside the transaction and `commit()` once it is durable, with no other
    placement allowed in between.
After a restart the caller rebuilds it with `add_node(node, used=<sum over live containers>)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sortedcontainers import SortedList

from core.errors import (AlreadyExists, FailedPrecondition, InvalidArgument, NotFound,
                         ResourceExhausted)

SPREAD, BINPACK = "spread", "binpack"
NO_SUITABLE_NODE = "No suitable node to satisfy container requirement available"
NO_SUITABLE_NODE_REASON = "NO_SUITABLE_NODE"
# Up to this many nodes with enough of the scarcest resource, ranking just those is cheaper
# than walking the strategy order (which may pass many nodes lacking that resource).
_SMALL_CANDIDATE_SET = 16
_EPSILON = 1e-9
_LABELS = ("cpus", "memory", "disk", "gpu_slots", "gpu_encoder_slots")  # a request's amounts, in order
_RESOURCES = len(_LABELS)
_CPU, _MEMORY, _DISK, _GPU, _ENCODER = range(_RESOURCES)


@dataclass(frozen=True)
class Node:
    name: str
    cpus: int
    memory: int  # bytes
    disk: int  # bytes
    gpu_slots: int = 0
    gpu_encoder_slots: int = 0
    cpu_allocation_rate: float = 4.0
    memory_allocation_rate: float = 2.0
    online: bool = True
    unschedulable: bool = False
    tags: frozenset[str] = frozenset()
    architecture: str = ""

    @property
    def capacity(self) -> tuple[float, int, int, int, int]:
        return (self.cpus * self.cpu_allocation_rate, int(self.memory * self.memory_allocation_rate),
                self.disk, self.gpu_slots, self.gpu_encoder_slots)

    @property
    def schedulable(self) -> bool:
        return self.online and not self.unschedulable


@dataclass(frozen=True)
class Requirements:
    cpus: int
    memory: int  # bytes
    disk: int  # bytes
    gpu_slots: int = 0
    gpu_encoder_slots: int = 0  # a hardware video encoder (`video-encoder: gpu`)
    node: str = ""  # the launch named this node: it must fit there or nowhere
    node_selector: frozenset[str] = frozenset()  # tags the node must all carry
    architecture: str = ""  # empty: any

    @property
    def amounts(self) -> tuple[int, int, int, int, int]:
        return (self.cpus, self.memory, self.disk, self.gpu_slots, self.gpu_encoder_slots)


@dataclass(frozen=True)
class Usage:
    cpus: int = 0
    memory: int = 0
    disk: int = 0
    gpu_slots: int = 0
    gpu_encoder_slots: int = 0

    @property
    def amounts(self) -> tuple[int, int, int, int, int]:
        return (self.cpus, self.memory, self.disk, self.gpu_slots, self.gpu_encoder_slots)


@dataclass
class _State:
    node: Node
    capacity: tuple[float, int, int, int, int]
    used: list[int] = field(default_factory=lambda: [0] * _RESOURCES)

    def free(self, dim: int) -> float:
        return self.capacity[dim] - self.used[dim]

    def load(self) -> float:
        used, capacity = self.used, self.capacity
        return max(_ratio(used[0], capacity[0]), _ratio(used[1], capacity[1]),
                   _ratio(used[2], capacity[2]))

    def fits(self, req: Requirements) -> bool:
        used, capacity = self.used, self.capacity
        if (used[0] + req.cpus > capacity[0] + _EPSILON or used[1] + req.memory > capacity[1]
                or used[2] + req.disk > capacity[2] or used[3] + req.gpu_slots > capacity[3]
                or used[4] + req.gpu_encoder_slots > capacity[4]):
            return False
        if req.architecture and self.node.architecture != req.architecture:
            return False
        return req.node_selector <= self.node.tags


class Scheduler:
    def __init__(self, strategy: str = SPREAD) -> None:
        self._strategy = _checked_strategy(strategy)
        self._states: dict[str, _State] = {}
        self._order = SortedList()  # (strategy key, name) of schedulable nodes
        self._gpu_order = SortedList()  # the same, for those with a free GPU slot
        self._free = [SortedList() for _ in range(_RESOURCES)]  # (free amount, name) per resource
        self._capacities = [SortedList() for _ in range(3)]  # CPU, memory, disk capacities

    @property
    def strategy(self) -> str:
        return self._strategy

    def set_strategy(self, strategy: str) -> None:
        """Switch strategy (a config change): rebuilds the order once, O(n log n)."""
        self._strategy = _checked_strategy(strategy)
        schedulable = [s for s in self._states.values() if s.node.schedulable]
        self._order = SortedList(self._key(s) for s in schedulable)
        self._gpu_order = SortedList(self._key(s) for s in schedulable if s.free(_GPU) >= 1)

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, name: object) -> bool:
        return name in self._states

    def add_node(self, node: Node, used: Usage | None = None) -> None:
        if node.name in self._states:
            raise AlreadyExists(f"node {node.name} already exists", metadata={"node": node.name})
        usage = used or Usage()
        state = _State(node, node.capacity, list(usage.amounts))
        self._states[node.name] = state
        self._index(state)

    def update_node(self, node: Node) -> None:
        """New capacity, status or tags for a known node; its reservations stay."""
        state = self._state(node.name)
        self._unindex(state)
        state.node, state.capacity = node, node.capacity
        self._index(state)

    def remove_node(self, name: str) -> None:
        self._unindex(self._state(name))
        del self._states[name]

    def usage(self, name: str) -> Usage:
        return Usage(*self._state(name).used)

    def choose(self, req: Requirements) -> str:
        """The node the strategy picks for `req`, without reserving anything."""
        _check_requirements(req)
        if req.node:
            state = self._state(req.node)
            if state.node.schedulable and state.fits(req):
                return req.node
            raise _no_suitable_node(req)
        ranked, found = self._best_of_few(req)
        if not ranked:
            found = self._walk(req)
        if found is None:
            raise _no_suitable_node(req)
        return found

    def commit(self, name: str, req: Requirements) -> None:
        """Hold `req` on node `name` (checked again: it must still fit there)."""
        _check_requirements(req)
        state = self._state(name)
        if not state.fits(req):
            raise _no_suitable_node(req)
        self._move(state, req.amounts, +1)

    def reserve(self, req: Requirements) -> str:
        name = self.choose(req)
        self._move(self._states[name], req.amounts, +1)
        return name

    def release(self, name: str, req: Requirements | Usage) -> None:
        """Give back what a container held (an errored container keeps its disk: pass 0)."""
        state = self._state(name)
        if any(state.used[d] < amount for d, amount in enumerate(req.amounts)):
            raise FailedPrecondition(f"node {name} holds less than the release asks for",
                                     reason="RESERVATION_UNDERFLOW", metadata={"node": name})
        self._move(state, req.amounts, -1)

    # Searching.

    def _best_of_few(self, req: Requirements) -> tuple[bool, str | None]:
        """When some resource is scarce, rank the few nodes that have enough of it: every
        fitting node is among them, so their best is the answer (None: nothing fits).

        Returns (False, None) when the candidates are too many for that to pay off, and raises
        at once when some resource is short on every node."""
        smallest: tuple[int, int, int] | None = None  # (count, resource, start index)
        for dim, amount in enumerate(req.amounts):
            if amount <= 0:
                continue
            index = self._free[dim]
            start = index.bisect_left((amount - _EPSILON,))
            count = len(index) - start
            if count == 0:
                raise _no_suitable_node(req)
            # The GPU walk already passes only nodes with a free slot: no need to rank them.
            if dim != _GPU and (smallest is None or count < smallest[0]):
                smallest = (count, dim, start)
        if smallest is None or smallest[0] > _SMALL_CANDIDATE_SET:
            return False, None
        _count, dim, start = smallest
        best = None
        for _free, name in self._free[dim].islice(start):
            state = self._states[name]
            if state.fits(req):
                key = self._key(state)
                if best is None or key < best:
                    best = key
        return True, (best[1] if best else None)

    def _walk(self, req: Requirements) -> str | None:
        """First fitting node in strategy order; binpack skips the nodes too loaded to fit."""
        order = self._gpu_order if req.gpu_slots > 0 else self._order
        start = 0
        if self._strategy == BINPACK:
            start = order.bisect_left((-self._highest_fitting_load(req),))
        for _key, name in order.islice(start):
            if self._states[name].fits(req):
                return name
        return None

    def _highest_fitting_load(self, req: Requirements) -> float:
        # A fitting node has used_d <= cap_d - req_d <= cap_d * (1 - req_d / max cap_d) for
        # every resource the request needs; with all three needed, that bounds its load.
        amounts = req.amounts
        if any(amounts[d] <= 0 for d in (_CPU, _MEMORY, _DISK)):
            return float("inf")
        bound = 0.0
        for d in (_CPU, _MEMORY, _DISK):
            largest = self._capacities[d][-1] if self._capacities[d] else 0
            if largest <= 0:
                return float("inf")
            bound = max(bound, 1 - amounts[d] / largest)
        return bound + _EPSILON

    # Index upkeep.

    def _key(self, state: _State) -> tuple[float, str]:
        load = state.load()
        return (load if self._strategy == SPREAD else -load, state.node.name)

    def _index(self, state: _State) -> None:
        if not state.node.schedulable:
            return
        name = state.node.name
        self._add_ordered(state)
        for d in range(_RESOURCES):
            self._free[d].add((state.free(d), name))
        for d in (_CPU, _MEMORY, _DISK):
            self._capacities[d].add(state.capacity[d])

    def _unindex(self, state: _State) -> None:
        if not state.node.schedulable:
            return
        name = state.node.name
        self._remove_ordered(state)
        for d in range(_RESOURCES):
            self._free[d].remove((state.free(d), name))
        for d in (_CPU, _MEMORY, _DISK):
            self._capacities[d].remove(state.capacity[d])

    def _move(self, state: _State, amounts: tuple[int, ...], sign: int) -> None:
        name = state.node.name
        # Resources the request does not use keep their index entries: fewer updates.
        changed = [d for d in range(_RESOURCES) if amounts[d]]
        if not state.node.schedulable:
            for d in changed:
                state.used[d] += sign * amounts[d]
            return
        self._remove_ordered(state)
        for d in changed:
            self._free[d].remove((state.free(d), name))
            state.used[d] += sign * amounts[d]
            self._free[d].add((state.free(d), name))
        self._add_ordered(state)

    def _add_ordered(self, state: _State) -> None:
        key = self._key(state)
        self._order.add(key)
        if state.free(_GPU) >= 1:
            self._gpu_order.add(key)

    def _remove_ordered(self, state: _State) -> None:
        key = self._key(state)
        self._order.remove(key)
        if state.free(_GPU) >= 1:
            self._gpu_order.remove(key)

    def _state(self, name: str) -> _State:
        try:
            return self._states[name]
        except KeyError:
            raise NotFound(f"node {name} not found", metadata={"node": name}) from None


def _ratio(used: int, capacity: float) -> float:
    if capacity <= 0:
        return 0.0 if used <= 0 else float("inf")
    return used / capacity


def _checked_strategy(strategy: str) -> str:
    if strategy not in (SPREAD, BINPACK):
        raise InvalidArgument(f"argument scheduler.strategy is invalid: {strategy!r} is not "
                              "spread or binpack", metadata={"field": "scheduler.strategy"})
    return strategy


def _check_requirements(req: Requirements) -> None:
    for label, amount in zip(_LABELS, req.amounts, strict=True):
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise InvalidArgument(f"argument {label} is invalid: must be a whole number >= 0",
                                  metadata={"field": label})


def _no_suitable_node(req: Requirements) -> ResourceExhausted:
    metadata = {label: str(amount) for label, amount in zip(_LABELS, req.amounts, strict=True)}
    if req.node:
        metadata["node"] = req.node
    return ResourceExhausted(NO_SUITABLE_NODE, reason=NO_SUITABLE_NODE_REASON, metadata=metadata)
