from google.protobuf import struct_pb2 as _struct_pb2
from switchyard.operations.v1 import operations_pb2 as _operations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Node(_message.Message):
    __slots__ = ("name", "address", "public_address", "network_bridge_mtu", "cpus", "cpu_allocation_rate", "memory", "memory_allocation_rate", "status_code", "status", "is_master", "disk_size", "gpu_slots", "gpu_encoder_slots", "tags", "unscheduable", "unschedulable", "architecture", "storage_pool", "managed", "driver", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    NETWORK_BRIDGE_MTU_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    CPU_ALLOCATION_RATE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ALLOCATION_RATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IS_MASTER_FIELD_NUMBER: _ClassVar[int]
    DISK_SIZE_FIELD_NUMBER: _ClassVar[int]
    GPU_SLOTS_FIELD_NUMBER: _ClassVar[int]
    GPU_ENCODER_SLOTS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    UNSCHEDUABLE_FIELD_NUMBER: _ClassVar[int]
    UNSCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    STORAGE_POOL_FIELD_NUMBER: _ClassVar[int]
    MANAGED_FIELD_NUMBER: _ClassVar[int]
    DRIVER_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    address: str
    public_address: str
    network_bridge_mtu: int
    cpus: int
    cpu_allocation_rate: float
    memory: str
    memory_allocation_rate: float
    status_code: int
    status: str
    is_master: bool
    disk_size: str
    gpu_slots: int
    gpu_encoder_slots: int
    tags: _containers.RepeatedScalarFieldContainer[str]
    unscheduable: bool
    unschedulable: bool
    architecture: str
    storage_pool: str
    managed: bool
    driver: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., address: _Optional[str] = ..., public_address: _Optional[str] = ..., network_bridge_mtu: _Optional[int] = ..., cpus: _Optional[int] = ..., cpu_allocation_rate: _Optional[float] = ..., memory: _Optional[str] = ..., memory_allocation_rate: _Optional[float] = ..., status_code: _Optional[int] = ..., status: _Optional[str] = ..., is_master: _Optional[bool] = ..., disk_size: _Optional[str] = ..., gpu_slots: _Optional[int] = ..., gpu_encoder_slots: _Optional[int] = ..., tags: _Optional[_Iterable[str]] = ..., unscheduable: _Optional[bool] = ..., unschedulable: _Optional[bool] = ..., architecture: _Optional[str] = ..., storage_pool: _Optional[str] = ..., managed: _Optional[bool] = ..., driver: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ListNodesRequest(_message.Message):
    __slots__ = ("recursion",)
    RECURSION_FIELD_NUMBER: _ClassVar[int]
    recursion: int
    def __init__(self, recursion: _Optional[int] = ...) -> None: ...

class NodeList(_message.Message):
    __slots__ = ("nodes",)
    NODES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[Node]
    def __init__(self, nodes: _Optional[_Iterable[_Union[Node, _Mapping]]] = ...) -> None: ...

class AddNodeRequest(_message.Message):
    __slots__ = ("name", "address", "public_address", "trust_password", "network_bridge_mtu", "storage_device", "cpus", "cpu_allocation_rate", "memory", "memory_allocation_rate", "gpu_slots", "gpu_encoder_slots", "tags", "unmanaged", "storage_pool", "network_name", "network_subnet", "network_acl_name")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TRUST_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NETWORK_BRIDGE_MTU_FIELD_NUMBER: _ClassVar[int]
    STORAGE_DEVICE_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    CPU_ALLOCATION_RATE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ALLOCATION_RATE_FIELD_NUMBER: _ClassVar[int]
    GPU_SLOTS_FIELD_NUMBER: _ClassVar[int]
    GPU_ENCODER_SLOTS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    UNMANAGED_FIELD_NUMBER: _ClassVar[int]
    STORAGE_POOL_FIELD_NUMBER: _ClassVar[int]
    NETWORK_NAME_FIELD_NUMBER: _ClassVar[int]
    NETWORK_SUBNET_FIELD_NUMBER: _ClassVar[int]
    NETWORK_ACL_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    address: str
    public_address: str
    trust_password: str
    network_bridge_mtu: int
    storage_device: str
    cpus: int
    cpu_allocation_rate: float
    memory: str
    memory_allocation_rate: float
    gpu_slots: int
    gpu_encoder_slots: int
    tags: _containers.RepeatedScalarFieldContainer[str]
    unmanaged: bool
    storage_pool: str
    network_name: str
    network_subnet: str
    network_acl_name: str
    def __init__(self, name: _Optional[str] = ..., address: _Optional[str] = ..., public_address: _Optional[str] = ..., trust_password: _Optional[str] = ..., network_bridge_mtu: _Optional[int] = ..., storage_device: _Optional[str] = ..., cpus: _Optional[int] = ..., cpu_allocation_rate: _Optional[float] = ..., memory: _Optional[str] = ..., memory_allocation_rate: _Optional[float] = ..., gpu_slots: _Optional[int] = ..., gpu_encoder_slots: _Optional[int] = ..., tags: _Optional[_Iterable[str]] = ..., unmanaged: _Optional[bool] = ..., storage_pool: _Optional[str] = ..., network_name: _Optional[str] = ..., network_subnet: _Optional[str] = ..., network_acl_name: _Optional[str] = ...) -> None: ...

class GetNodeRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateNodeRequest(_message.Message):
    __slots__ = ("name", "public_address", "cpus", "cpu_allocation_rate", "memory", "memory_allocation_rate", "gpu_slots", "gpu_encoder_slots", "tags", "unscheduable", "unschedulable", "if_match")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    CPU_ALLOCATION_RATE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ALLOCATION_RATE_FIELD_NUMBER: _ClassVar[int]
    GPU_SLOTS_FIELD_NUMBER: _ClassVar[int]
    GPU_ENCODER_SLOTS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    UNSCHEDUABLE_FIELD_NUMBER: _ClassVar[int]
    UNSCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    IF_MATCH_FIELD_NUMBER: _ClassVar[int]
    name: str
    public_address: str
    cpus: int
    cpu_allocation_rate: float
    memory: str
    memory_allocation_rate: float
    gpu_slots: int
    gpu_encoder_slots: int
    tags: _struct_pb2.ListValue
    unscheduable: bool
    unschedulable: bool
    if_match: str
    def __init__(self, name: _Optional[str] = ..., public_address: _Optional[str] = ..., cpus: _Optional[int] = ..., cpu_allocation_rate: _Optional[float] = ..., memory: _Optional[str] = ..., memory_allocation_rate: _Optional[float] = ..., gpu_slots: _Optional[int] = ..., gpu_encoder_slots: _Optional[int] = ..., tags: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ..., unscheduable: _Optional[bool] = ..., unschedulable: _Optional[bool] = ..., if_match: _Optional[str] = ...) -> None: ...

class DeleteNodeRequest(_message.Message):
    __slots__ = ("name", "force", "keep_in_cluster")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    KEEP_IN_CLUSTER_FIELD_NUMBER: _ClassVar[int]
    name: str
    force: bool
    keep_in_cluster: bool
    def __init__(self, name: _Optional[str] = ..., force: _Optional[bool] = ..., keep_in_cluster: _Optional[bool] = ...) -> None: ...
