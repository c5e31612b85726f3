from switchyard.ams.v1 import transfer_pb2 as _transfer_pb2
from switchyard.operations.v1 import operations_pb2 as _operations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Image(_message.Message):
    __slots__ = ("id", "name", "versions", "status_code", "status", "used_by", "immutable", "default", "architecture", "type", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    USED_BY_FIELD_NUMBER: _ClassVar[int]
    IMMUTABLE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    versions: _containers.RepeatedCompositeFieldContainer[ImageVersion]
    status_code: int
    status: str
    used_by: _containers.RepeatedScalarFieldContainer[str]
    immutable: bool
    default: bool
    architecture: str
    type: str
    etag: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., versions: _Optional[_Iterable[_Union[ImageVersion, _Mapping]]] = ..., status_code: _Optional[int] = ..., status: _Optional[str] = ..., used_by: _Optional[_Iterable[str]] = ..., immutable: _Optional[bool] = ..., default: _Optional[bool] = ..., architecture: _Optional[str] = ..., type: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ImageVersion(_message.Message):
    __slots__ = ("version", "fingerprint", "size", "created_at", "status_code", "status", "remote_id")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REMOTE_ID_FIELD_NUMBER: _ClassVar[int]
    version: int
    fingerprint: str
    size: int
    created_at: int
    status_code: int
    status: str
    remote_id: str
    def __init__(self, version: _Optional[int] = ..., fingerprint: _Optional[str] = ..., size: _Optional[int] = ..., created_at: _Optional[int] = ..., status_code: _Optional[int] = ..., status: _Optional[str] = ..., remote_id: _Optional[str] = ...) -> None: ...

class ListImagesRequest(_message.Message):
    __slots__ = ("recursion", "default", "type")
    RECURSION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    recursion: int
    default: bool
    type: str
    def __init__(self, recursion: _Optional[int] = ..., default: _Optional[bool] = ..., type: _Optional[str] = ...) -> None: ...

class ImageList(_message.Message):
    __slots__ = ("images",)
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    images: _containers.RepeatedCompositeFieldContainer[Image]
    def __init__(self, images: _Optional[_Iterable[_Union[Image, _Mapping]]] = ...) -> None: ...

class GetImageRequest(_message.Message):
    __slots__ = ("id", "type")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class UpdateImageRequest(_message.Message):
    __slots__ = ("id", "default", "force_sync", "if_match")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    FORCE_SYNC_FIELD_NUMBER: _ClassVar[int]
    IF_MATCH_FIELD_NUMBER: _ClassVar[int]
    id: str
    default: bool
    force_sync: bool
    if_match: str
    def __init__(self, id: _Optional[str] = ..., default: _Optional[bool] = ..., force_sync: _Optional[bool] = ..., if_match: _Optional[str] = ...) -> None: ...

class DeleteImageRequest(_message.Message):
    __slots__ = ("id", "force", "type")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    id: str
    force: bool
    type: str
    def __init__(self, id: _Optional[str] = ..., force: _Optional[bool] = ..., type: _Optional[str] = ...) -> None: ...

class DeleteImageVersionRequest(_message.Message):
    __slots__ = ("id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...
