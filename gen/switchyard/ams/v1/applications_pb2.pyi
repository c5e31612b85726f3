from google.protobuf import struct_pb2 as _struct_pb2
from switchyard.ams.v1 import transfer_pb2 as _transfer_pb2
from switchyard.operations.v1 import operations_pb2 as _operations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Application(_message.Message):
    __slots__ = ("id", "name", "status_code", "status", "instance_type", "boot_package", "parent_image_id", "published", "versions", "addons", "created_at", "immutable", "tags", "resources", "abi", "inhibit_auto_updates", "node_selector", "vm", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    BOOT_PACKAGE_FIELD_NUMBER: _ClassVar[int]
    PARENT_IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    ADDONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    IMMUTABLE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    ABI_FIELD_NUMBER: _ClassVar[int]
    INHIBIT_AUTO_UPDATES_FIELD_NUMBER: _ClassVar[int]
    NODE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    VM_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    status_code: int
    status: str
    instance_type: str
    boot_package: str
    parent_image_id: str
    published: bool
    versions: _containers.RepeatedCompositeFieldContainer[ApplicationVersion]
    addons: _containers.RepeatedScalarFieldContainer[str]
    created_at: int
    immutable: bool
    tags: _containers.RepeatedScalarFieldContainer[str]
    resources: _struct_pb2.Struct
    abi: str
    inhibit_auto_updates: bool
    node_selector: _containers.RepeatedScalarFieldContainer[str]
    vm: bool
    etag: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., status_code: _Optional[int] = ..., status: _Optional[str] = ..., instance_type: _Optional[str] = ..., boot_package: _Optional[str] = ..., parent_image_id: _Optional[str] = ..., published: _Optional[bool] = ..., versions: _Optional[_Iterable[_Union[ApplicationVersion, _Mapping]]] = ..., addons: _Optional[_Iterable[str]] = ..., created_at: _Optional[int] = ..., immutable: _Optional[bool] = ..., tags: _Optional[_Iterable[str]] = ..., resources: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., abi: _Optional[str] = ..., inhibit_auto_updates: _Optional[bool] = ..., node_selector: _Optional[_Iterable[str]] = ..., vm: _Optional[bool] = ..., etag: _Optional[str] = ...) -> None: ...

class ApplicationVersion(_message.Message):
    __slots__ = ("number", "manifest_version", "parent_image_id", "parent_image_version", "status_code", "status", "published", "created_at", "boot_activity", "required_permissions", "addons", "extra_data", "error_message", "video_encoder", "watchdog", "services", "features")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_VERSION_FIELD_NUMBER: _ClassVar[int]
    PARENT_IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_IMAGE_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    BOOT_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    ADDONS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_DATA_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ENCODER_FIELD_NUMBER: _ClassVar[int]
    WATCHDOG_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    number: int
    manifest_version: str
    parent_image_id: str
    parent_image_version: int
    status_code: int
    status: str
    published: bool
    created_at: int
    boot_activity: str
    required_permissions: _containers.RepeatedScalarFieldContainer[str]
    addons: _struct_pb2.ListValue
    extra_data: _struct_pb2.Struct
    error_message: str
    video_encoder: str
    watchdog: _struct_pb2.Struct
    services: _struct_pb2.ListValue
    features: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, number: _Optional[int] = ..., manifest_version: _Optional[str] = ..., parent_image_id: _Optional[str] = ..., parent_image_version: _Optional[int] = ..., status_code: _Optional[int] = ..., status: _Optional[str] = ..., published: _Optional[bool] = ..., created_at: _Optional[int] = ..., boot_activity: _Optional[str] = ..., required_permissions: _Optional[_Iterable[str]] = ..., addons: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ..., extra_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., error_message: _Optional[str] = ..., video_encoder: _Optional[str] = ..., watchdog: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., services: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ..., features: _Optional[_Iterable[str]] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("recursion", "id", "name", "status", "instance_type", "boot_package", "published", "immutable", "abi", "addons", "inhibit_auto_updates", "tags", "parent_image_variant")
    RECURSION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    BOOT_PACKAGE_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    IMMUTABLE_FIELD_NUMBER: _ClassVar[int]
    ABI_FIELD_NUMBER: _ClassVar[int]
    ADDONS_FIELD_NUMBER: _ClassVar[int]
    INHIBIT_AUTO_UPDATES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    PARENT_IMAGE_VARIANT_FIELD_NUMBER: _ClassVar[int]
    recursion: int
    id: str
    name: str
    status: str
    instance_type: str
    boot_package: str
    published: bool
    immutable: bool
    abi: str
    addons: str
    inhibit_auto_updates: bool
    tags: str
    parent_image_variant: str
    def __init__(self, recursion: _Optional[int] = ..., id: _Optional[str] = ..., name: _Optional[str] = ..., status: _Optional[str] = ..., instance_type: _Optional[str] = ..., boot_package: _Optional[str] = ..., published: _Optional[bool] = ..., immutable: _Optional[bool] = ..., abi: _Optional[str] = ..., addons: _Optional[str] = ..., inhibit_auto_updates: _Optional[bool] = ..., tags: _Optional[str] = ..., parent_image_variant: _Optional[str] = ...) -> None: ...

class ApplicationList(_message.Message):
    __slots__ = ("applications",)
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[Application]
    def __init__(self, applications: _Optional[_Iterable[_Union[Application, _Mapping]]] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class UpdateApplicationRequest(_message.Message):
    __slots__ = ("id", "if_match", "fields")
    ID_FIELD_NUMBER: _ClassVar[int]
    IF_MATCH_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    if_match: str
    fields: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., if_match: _Optional[str] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class DeleteApplicationRequest(_message.Message):
    __slots__ = ("id", "force")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    force: bool
    def __init__(self, id: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class DeleteApplicationsRequest(_message.Message):
    __slots__ = ("ids", "force")
    IDS_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    force: bool
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., force: _Optional[bool] = ...) -> None: ...

class UpdateApplicationVersionRequest(_message.Message):
    __slots__ = ("id", "version", "published")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    published: bool
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., published: _Optional[bool] = ...) -> None: ...

class DeleteApplicationVersionRequest(_message.Message):
    __slots__ = ("id", "version", "force")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    force: bool
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., force: _Optional[bool] = ...) -> None: ...
