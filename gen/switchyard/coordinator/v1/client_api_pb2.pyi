from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Status(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class GetManifestRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ManifestReply(_message.Message):
    __slots__ = ("manifest", "manifestSignatureRootECDSA", "manifestFingerprint")
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    MANIFESTSIGNATUREROOTECDSA_FIELD_NUMBER: _ClassVar[int]
    MANIFESTFINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    manifest: bytes
    manifestSignatureRootECDSA: bytes
    manifestFingerprint: str
    def __init__(self, manifest: _Optional[bytes] = ..., manifestSignatureRootECDSA: _Optional[bytes] = ..., manifestFingerprint: _Optional[str] = ...) -> None: ...

class SetManifestRequest(_message.Message):
    __slots__ = ("manifest",)
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    manifest: bytes
    def __init__(self, manifest: _Optional[bytes] = ...) -> None: ...

class SetManifestReply(_message.Message):
    __slots__ = ("recoveryKeys",)
    class RecoveryKeysEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    RECOVERYKEYS_FIELD_NUMBER: _ClassVar[int]
    recoveryKeys: _containers.ScalarMap[str, bytes]
    def __init__(self, recoveryKeys: _Optional[_Mapping[str, bytes]] = ...) -> None: ...

class GetSecretsRequest(_message.Message):
    __slots__ = ("s",)
    S_FIELD_NUMBER: _ClassVar[int]
    s: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, s: _Optional[_Iterable[str]] = ...) -> None: ...

class Secret(_message.Message):
    __slots__ = ("type", "size", "shared", "userDefined", "cert", "validFor", "private", "public")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    USERDEFINED_FIELD_NUMBER: _ClassVar[int]
    CERT_FIELD_NUMBER: _ClassVar[int]
    VALIDFOR_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    type: str
    size: int
    shared: bool
    userDefined: bool
    cert: bytes
    validFor: int
    private: bytes
    public: bytes
    def __init__(self, type: _Optional[str] = ..., size: _Optional[int] = ..., shared: _Optional[bool] = ..., userDefined: _Optional[bool] = ..., cert: _Optional[bytes] = ..., validFor: _Optional[int] = ..., private: _Optional[bytes] = ..., public: _Optional[bytes] = ...) -> None: ...

class SecretsReply(_message.Message):
    __slots__ = ("secrets",)
    class SecretsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Secret
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Secret, _Mapping]] = ...) -> None: ...
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    secrets: _containers.MessageMap[str, Secret]
    def __init__(self, secrets: _Optional[_Mapping[str, Secret]] = ...) -> None: ...

class SetSecretsRequest(_message.Message):
    __slots__ = ("secrets",)
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    secrets: _struct_pb2.Struct
    def __init__(self, secrets: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class SetSecretsReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RecoverRequest(_message.Message):
    __slots__ = ("recoverySecret", "recoverySecretSignature")
    RECOVERYSECRET_FIELD_NUMBER: _ClassVar[int]
    RECOVERYSECRETSIGNATURE_FIELD_NUMBER: _ClassVar[int]
    recoverySecret: bytes
    recoverySecretSignature: bytes
    def __init__(self, recoverySecret: _Optional[bytes] = ..., recoverySecretSignature: _Optional[bytes] = ...) -> None: ...

class RecoverLegacyRequest(_message.Message):
    __slots__ = ("recoverySecret",)
    RECOVERYSECRET_FIELD_NUMBER: _ClassVar[int]
    recoverySecret: bytes
    def __init__(self, recoverySecret: _Optional[bytes] = ...) -> None: ...

class RecoverReply(_message.Message):
    __slots__ = ("remaining", "message")
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    remaining: int
    message: str
    def __init__(self, remaining: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class GetRecoveryPublicKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RecoveryPublicKey(_message.Message):
    __slots__ = ("algorithm", "ephemeralPublicKey")
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    EPHEMERALPUBLICKEY_FIELD_NUMBER: _ClassVar[int]
    algorithm: str
    ephemeralPublicKey: bytes
    def __init__(self, algorithm: _Optional[str] = ..., ephemeralPublicKey: _Optional[bytes] = ...) -> None: ...

class UpdateRequest(_message.Message):
    __slots__ = ("manifest",)
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    manifest: bytes
    def __init__(self, manifest: _Optional[bytes] = ...) -> None: ...

class UpdateReply(_message.Message):
    __slots__ = ("missingAcknowledgments", "missingUsers", "recoverySecrets")
    class RecoverySecretsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    MISSINGACKNOWLEDGMENTS_FIELD_NUMBER: _ClassVar[int]
    MISSINGUSERS_FIELD_NUMBER: _ClassVar[int]
    RECOVERYSECRETS_FIELD_NUMBER: _ClassVar[int]
    missingAcknowledgments: int
    missingUsers: _containers.RepeatedScalarFieldContainer[str]
    recoverySecrets: _containers.ScalarMap[str, bytes]
    def __init__(self, missingAcknowledgments: _Optional[int] = ..., missingUsers: _Optional[_Iterable[str]] = ..., recoverySecrets: _Optional[_Mapping[str, bytes]] = ...) -> None: ...

class GetUpdateLogRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateLog(_message.Message):
    __slots__ = ("updateLog",)
    UPDATELOG_FIELD_NUMBER: _ClassVar[int]
    updateLog: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, updateLog: _Optional[_Iterable[str]] = ...) -> None: ...

class AcknowledgeUpdateRequest(_message.Message):
    __slots__ = ("manifest",)
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    manifest: bytes
    def __init__(self, manifest: _Optional[bytes] = ...) -> None: ...

class AcknowledgeUpdateReply(_message.Message):
    __slots__ = ("message", "missingUsers", "missingAcknowledgments", "recoverySecrets", "summary")
    class RecoverySecretsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MISSINGUSERS_FIELD_NUMBER: _ClassVar[int]
    MISSINGACKNOWLEDGMENTS_FIELD_NUMBER: _ClassVar[int]
    RECOVERYSECRETS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    message: str
    missingUsers: _containers.RepeatedScalarFieldContainer[str]
    missingAcknowledgments: int
    recoverySecrets: _containers.ScalarMap[str, bytes]
    summary: str
    def __init__(self, message: _Optional[str] = ..., missingUsers: _Optional[_Iterable[str]] = ..., missingAcknowledgments: _Optional[int] = ..., recoverySecrets: _Optional[_Mapping[str, bytes]] = ..., summary: _Optional[str] = ...) -> None: ...

class GetPendingUpdateRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PendingUpdate(_message.Message):
    __slots__ = ("manifest", "missingUsers", "message")
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    MISSINGUSERS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    manifest: bytes
    missingUsers: _containers.RepeatedScalarFieldContainer[str]
    message: str
    def __init__(self, manifest: _Optional[bytes] = ..., missingUsers: _Optional[_Iterable[str]] = ..., message: _Optional[str] = ...) -> None: ...

class CancelUpdateRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CancelUpdateReply(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: str
    def __init__(self, message: _Optional[str] = ...) -> None: ...

class GetQuoteRequest(_message.Message):
    __slots__ = ("nonce",)
    NONCE_FIELD_NUMBER: _ClassVar[int]
    nonce: str
    def __init__(self, nonce: _Optional[str] = ...) -> None: ...

class QuoteReply(_message.Message):
    __slots__ = ("cert", "quote", "simulation")
    CERT_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    cert: str
    quote: bytes
    simulation: bool
    def __init__(self, cert: _Optional[str] = ..., quote: _Optional[bytes] = ..., simulation: _Optional[bool] = ...) -> None: ...

class SignQuoteRequest(_message.Message):
    __slots__ = ("sgxQuote",)
    SGXQUOTE_FIELD_NUMBER: _ClassVar[int]
    sgxQuote: bytes
    def __init__(self, sgxQuote: _Optional[bytes] = ...) -> None: ...

class SignQuoteReply(_message.Message):
    __slots__ = ("signature", "tcbStatus", "simulation")
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TCBSTATUS_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    signature: bytes
    tcbStatus: str
    simulation: bool
    def __init__(self, signature: _Optional[bytes] = ..., tcbStatus: _Optional[str] = ..., simulation: _Optional[bool] = ...) -> None: ...
