from google.protobuf import struct_pb2 as _struct_pb2
from switchyard.operations.v1 import operations_pb2 as _operations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ContainerService(_message.Message):
    __slots__ = ("name", "port", "port_end", "node_port", "node_port_end", "protocols", "expose")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    PORT_END_FIELD_NUMBER: _ClassVar[int]
    NODE_PORT_FIELD_NUMBER: _ClassVar[int]
    NODE_PORT_END_FIELD_NUMBER: _ClassVar[int]
    PROTOCOLS_FIELD_NUMBER: _ClassVar[int]
    EXPOSE_FIELD_NUMBER: _ClassVar[int]
    name: str
    port: int
    port_end: int
    node_port: int
    node_port_end: int
    protocols: _containers.RepeatedScalarFieldContainer[str]
    expose: bool
    def __init__(self, name: _Optional[str] = ..., port: _Optional[int] = ..., port_end: _Optional[int] = ..., node_port: _Optional[int] = ..., node_port_end: _Optional[int] = ..., protocols: _Optional[_Iterable[str]] = ..., expose: _Optional[bool] = ...) -> None: ...

class Container(_message.Message):
    __slots__ = ("id", "name", "type", "status_code", "status", "node", "app_id", "app_name", "app_version", "image_id", "image_version", "created_at", "address", "public_address", "services", "stored_logs", "error_message", "config", "resources", "architecture", "tags")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    APP_NAME_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    STORED_LOGS_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    type: str
    status_code: int
    status: str
    node: str
    app_id: str
    app_name: str
    app_version: int
    image_id: str
    image_version: int
    created_at: int
    address: str
    public_address: str
    services: _containers.RepeatedCompositeFieldContainer[ContainerService]
    stored_logs: _containers.RepeatedScalarFieldContainer[str]
    error_message: str
    config: _struct_pb2.Struct
    resources: _struct_pb2.Struct
    architecture: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., status_code: _Optional[int] = ..., status: _Optional[str] = ..., node: _Optional[str] = ..., app_id: _Optional[str] = ..., app_name: _Optional[str] = ..., app_version: _Optional[int] = ..., image_id: _Optional[str] = ..., image_version: _Optional[int] = ..., created_at: _Optional[int] = ..., address: _Optional[str] = ..., public_address: _Optional[str] = ..., services: _Optional[_Iterable[_Union[ContainerService, _Mapping]]] = ..., stored_logs: _Optional[_Iterable[str]] = ..., error_message: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., resources: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., architecture: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class ListContainersRequest(_message.Message):
    __slots__ = ("recursion", "id", "name", "status", "type", "node", "app_id", "app_version", "image_id", "image_version", "app_name", "tags")
    RECURSION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_VERSION_FIELD_NUMBER: _ClassVar[int]
    APP_NAME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    recursion: int
    id: str
    name: str
    status: str
    type: str
    node: str
    app_id: str
    app_version: int
    image_id: str
    image_version: int
    app_name: str
    tags: str
    def __init__(self, recursion: _Optional[int] = ..., id: _Optional[str] = ..., name: _Optional[str] = ..., status: _Optional[str] = ..., type: _Optional[str] = ..., node: _Optional[str] = ..., app_id: _Optional[str] = ..., app_version: _Optional[int] = ..., image_id: _Optional[str] = ..., image_version: _Optional[int] = ..., app_name: _Optional[str] = ..., tags: _Optional[str] = ...) -> None: ...

class ContainerList(_message.Message):
    __slots__ = ("containers",)
    CONTAINERS_FIELD_NUMBER: _ClassVar[int]
    containers: _containers.RepeatedCompositeFieldContainer[Container]
    def __init__(self, containers: _Optional[_Iterable[_Union[Container, _Mapping]]] = ...) -> None: ...

class LaunchService(_message.Message):
    __slots__ = ("name", "port", "port_end", "protocols", "expose")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    PORT_END_FIELD_NUMBER: _ClassVar[int]
    PROTOCOLS_FIELD_NUMBER: _ClassVar[int]
    EXPOSE_FIELD_NUMBER: _ClassVar[int]
    name: str
    port: int
    port_end: int
    protocols: _containers.RepeatedScalarFieldContainer[str]
    expose: bool
    def __init__(self, name: _Optional[str] = ..., port: _Optional[int] = ..., port_end: _Optional[int] = ..., protocols: _Optional[_Iterable[str]] = ..., expose: _Optional[bool] = ...) -> None: ...

class LaunchContainerRequest(_message.Message):
    __slots__ = ("app_id", "app_version", "image_id", "image_version", "instance_type", "node", "user_data", "services", "disk_size", "cpu", "cpus", "memory", "gpu_slots", "sdk_gpu_slots", "vpu_slots", "sdk_vpu_slots", "config", "addons", "tags", "no_start", "no_wait")
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_VERSION_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    USER_DATA_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    DISK_SIZE_FIELD_NUMBER: _ClassVar[int]
    CPU_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    GPU_SLOTS_FIELD_NUMBER: _ClassVar[int]
    SDK_GPU_SLOTS_FIELD_NUMBER: _ClassVar[int]
    VPU_SLOTS_FIELD_NUMBER: _ClassVar[int]
    SDK_VPU_SLOTS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    ADDONS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    NO_START_FIELD_NUMBER: _ClassVar[int]
    NO_WAIT_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    app_version: int
    image_id: str
    image_version: int
    instance_type: str
    node: str
    user_data: str
    services: _containers.RepeatedCompositeFieldContainer[LaunchService]
    disk_size: int
    cpu: int
    cpus: int
    memory: int
    gpu_slots: int
    sdk_gpu_slots: int
    vpu_slots: int
    sdk_vpu_slots: int
    config: _struct_pb2.Struct
    addons: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    no_start: bool
    no_wait: bool
    def __init__(self, app_id: _Optional[str] = ..., app_version: _Optional[int] = ..., image_id: _Optional[str] = ..., image_version: _Optional[int] = ..., instance_type: _Optional[str] = ..., node: _Optional[str] = ..., user_data: _Optional[str] = ..., services: _Optional[_Iterable[_Union[LaunchService, _Mapping]]] = ..., disk_size: _Optional[int] = ..., cpu: _Optional[int] = ..., cpus: _Optional[int] = ..., memory: _Optional[int] = ..., gpu_slots: _Optional[int] = ..., sdk_gpu_slots: _Optional[int] = ..., vpu_slots: _Optional[int] = ..., sdk_vpu_slots: _Optional[int] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., addons: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., no_start: _Optional[bool] = ..., no_wait: _Optional[bool] = ...) -> None: ...

class GetContainerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class UpdateContainerRequest(_message.Message):
    __slots__ = ("id", "status", "error_code", "error_message", "desired_status", "no_wait")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DESIRED_STATUS_FIELD_NUMBER: _ClassVar[int]
    NO_WAIT_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: str
    error_code: int
    error_message: str
    desired_status: str
    no_wait: bool
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ..., error_code: _Optional[int] = ..., error_message: _Optional[str] = ..., desired_status: _Optional[str] = ..., no_wait: _Optional[bool] = ...) -> None: ...

class DeleteContainerRequest(_message.Message):
    __slots__ = ("id", "force")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    force: bool
    def __init__(self, id: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class DeleteContainersRequest(_message.Message):
    __slots__ = ("ids", "force")
    IDS_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    force: bool
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., force: _Optional[bool] = ...) -> None: ...

class ListContainerLogsRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ContainerLogList(_message.Message):
    __slots__ = ("names", "id")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    id: str
    def __init__(self, names: _Optional[_Iterable[str]] = ..., id: _Optional[str] = ...) -> None: ...

class GetContainerLogRequest(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ContainerLog(_message.Message):
    __slots__ = ("content_type", "content")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    content: bytes
    def __init__(self, content_type: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class ExecContainerRequest(_message.Message):
    __slots__ = ("id", "command", "environment", "interactive", "width", "height")
    class EnvironmentEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    INTERACTIVE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    id: str
    command: _containers.RepeatedScalarFieldContainer[str]
    environment: _containers.ScalarMap[str, str]
    interactive: bool
    width: int
    height: int
    def __init__(self, id: _Optional[str] = ..., command: _Optional[_Iterable[str]] = ..., environment: _Optional[_Mapping[str, str]] = ..., interactive: _Optional[bool] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...
