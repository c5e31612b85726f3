from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListConfdbSchemasRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ConfdbSchemaList(_message.Message):
    __slots__ = ("assertions",)
    ASSERTIONS_FIELD_NUMBER: _ClassVar[int]
    assertions: _containers.RepeatedCompositeFieldContainer[Assertion]
    def __init__(self, assertions: _Optional[_Iterable[_Union[Assertion, _Mapping]]] = ...) -> None: ...

class Assertion(_message.Message):
    __slots__ = ("headers", "body")
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    headers: _struct_pb2.Struct
    body: str
    def __init__(self, headers: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., body: _Optional[str] = ...) -> None: ...

class BuildAssertionRequest(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _struct_pb2.Struct
    def __init__(self, request: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class BuildAssertionResponse(_message.Message):
    __slots__ = ("headers",)
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    headers: _struct_pb2.Struct
    def __init__(self, headers: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UploadAssertionRequest(_message.Message):
    __slots__ = ("assertion", "content_type", "name")
    ASSERTION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    assertion: bytes
    content_type: str
    name: str
    def __init__(self, assertion: _Optional[bytes] = ..., content_type: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CreateAccountRequest(_message.Message):
    __slots__ = ("id", "email")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("id", "email")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class RegisterKeyRequest(_message.Message):
    __slots__ = ("account_id", "key", "name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    key: bytes
    name: str
    def __init__(self, account_id: _Optional[str] = ..., key: _Optional[bytes] = ..., name: _Optional[str] = ...) -> None: ...

class AccountKey(_message.Message):
    __slots__ = ("account_id", "name", "sign_key_sha3_384", "since", "until")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIGN_KEY_SHA3_384_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    sign_key_sha3_384: str
    since: str
    until: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., sign_key_sha3_384: _Optional[str] = ..., since: _Optional[str] = ..., until: _Optional[str] = ...) -> None: ...

class IssueMacaroonRequest(_message.Message):
    __slots__ = ("account_id", "expires")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    expires: str
    def __init__(self, account_id: _Optional[str] = ..., expires: _Optional[str] = ...) -> None: ...

class Credential(_message.Message):
    __slots__ = ("authorization", "root", "expires")
    AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    ROOT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_FIELD_NUMBER: _ClassVar[int]
    authorization: str
    root: str
    expires: str
    def __init__(self, authorization: _Optional[str] = ..., root: _Optional[str] = ..., expires: _Optional[str] = ...) -> None: ...
