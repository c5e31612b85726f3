from switchyard.ams.v1 import transfer_pb2 as _transfer_pb2
from switchyard.operations.v1 import operations_pb2 as _operations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Addon(_message.Message):
    __slots__ = ("name", "versions", "used_by", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    USED_BY_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    versions: _containers.RepeatedCompositeFieldContainer[AddonVersion]
    used_by: _containers.RepeatedScalarFieldContainer[str]
    etag: str
    def __init__(self, name: _Optional[str] = ..., versions: _Optional[_Iterable[_Union[AddonVersion, _Mapping]]] = ..., used_by: _Optional[_Iterable[str]] = ..., etag: _Optional[str] = ...) -> None: ...

class AddonVersion(_message.Message):
    __slots__ = ("version", "fingerprint", "size", "created_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    fingerprint: str
    size: int
    created_at: int
    def __init__(self, version: _Optional[int] = ..., fingerprint: _Optional[str] = ..., size: _Optional[int] = ..., created_at: _Optional[int] = ...) -> None: ...

class ListAddonsRequest(_message.Message):
    __slots__ = ("recursion",)
    RECURSION_FIELD_NUMBER: _ClassVar[int]
    recursion: int
    def __init__(self, recursion: _Optional[int] = ...) -> None: ...

class AddonList(_message.Message):
    __slots__ = ("addons",)
    ADDONS_FIELD_NUMBER: _ClassVar[int]
    addons: _containers.RepeatedCompositeFieldContainer[Addon]
    def __init__(self, addons: _Optional[_Iterable[_Union[Addon, _Mapping]]] = ...) -> None: ...

class GetAddonRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteAddonRequest(_message.Message):
    __slots__ = ("name", "force")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    force: bool
    def __init__(self, name: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class DeleteAddonVersionRequest(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...
