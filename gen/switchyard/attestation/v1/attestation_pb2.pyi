import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetQuoteRequest(_message.Message):
    __slots__ = ("report_data",)
    REPORT_DATA_FIELD_NUMBER: _ClassVar[int]
    report_data: bytes
    def __init__(self, report_data: _Optional[bytes] = ...) -> None: ...

class QuoteReply(_message.Message):
    __slots__ = ("quote", "source", "simulated")
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SIMULATED_FIELD_NUMBER: _ClassVar[int]
    quote: bytes
    source: str
    simulated: bool
    def __init__(self, quote: _Optional[bytes] = ..., source: _Optional[str] = ..., simulated: _Optional[bool] = ...) -> None: ...

class VerifyQuoteRequest(_message.Message):
    __slots__ = ("quote", "collateral", "at", "package", "expected_report_data_hash")
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    COLLATERAL_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REPORT_DATA_HASH_FIELD_NUMBER: _ClassVar[int]
    quote: bytes
    collateral: str
    at: _timestamp_pb2.Timestamp
    package: PackagePolicy
    expected_report_data_hash: bytes
    def __init__(self, quote: _Optional[bytes] = ..., collateral: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., package: _Optional[_Union[PackagePolicy, _Mapping]] = ..., expected_report_data_hash: _Optional[bytes] = ...) -> None: ...

class PackagePolicy(_message.Message):
    __slots__ = ("debug", "unique_id", "signer_id", "product_id", "security_version", "accepted_tcb_statuses", "accepted_advisories")
    DEBUG_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SECURITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_TCB_STATUSES_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_ADVISORIES_FIELD_NUMBER: _ClassVar[int]
    debug: bool
    unique_id: str
    signer_id: str
    product_id: int
    security_version: int
    accepted_tcb_statuses: _containers.RepeatedScalarFieldContainer[str]
    accepted_advisories: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, debug: _Optional[bool] = ..., unique_id: _Optional[str] = ..., signer_id: _Optional[str] = ..., product_id: _Optional[int] = ..., security_version: _Optional[int] = ..., accepted_tcb_statuses: _Optional[_Iterable[str]] = ..., accepted_advisories: _Optional[_Iterable[str]] = ...) -> None: ...

class QuoteVerification(_message.Message):
    __slots__ = ("fields", "checks_passed", "tcb_status", "advisory_ids", "collateral_supplied", "collateral_expired", "simulated", "qe_tcb_status", "evaluated_at", "qv_result")
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    CHECKS_PASSED_FIELD_NUMBER: _ClassVar[int]
    TCB_STATUS_FIELD_NUMBER: _ClassVar[int]
    ADVISORY_IDS_FIELD_NUMBER: _ClassVar[int]
    COLLATERAL_SUPPLIED_FIELD_NUMBER: _ClassVar[int]
    COLLATERAL_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    SIMULATED_FIELD_NUMBER: _ClassVar[int]
    QE_TCB_STATUS_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_AT_FIELD_NUMBER: _ClassVar[int]
    QV_RESULT_FIELD_NUMBER: _ClassVar[int]
    fields: QuoteFields
    checks_passed: _containers.RepeatedScalarFieldContainer[str]
    tcb_status: str
    advisory_ids: _containers.RepeatedScalarFieldContainer[str]
    collateral_supplied: bool
    collateral_expired: bool
    simulated: bool
    qe_tcb_status: str
    evaluated_at: _timestamp_pb2.Timestamp
    qv_result: int
    def __init__(self, fields: _Optional[_Union[QuoteFields, _Mapping]] = ..., checks_passed: _Optional[_Iterable[str]] = ..., tcb_status: _Optional[str] = ..., advisory_ids: _Optional[_Iterable[str]] = ..., collateral_supplied: _Optional[bool] = ..., collateral_expired: _Optional[bool] = ..., simulated: _Optional[bool] = ..., qe_tcb_status: _Optional[str] = ..., evaluated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., qv_result: _Optional[int] = ...) -> None: ...

class QuoteFields(_message.Message):
    __slots__ = ("version", "mrenclave", "mrsigner", "isv_prod_id", "isv_svn", "debug", "report_data", "fmspc", "pce_id", "pce_svn", "tcb_components")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MRENCLAVE_FIELD_NUMBER: _ClassVar[int]
    MRSIGNER_FIELD_NUMBER: _ClassVar[int]
    ISV_PROD_ID_FIELD_NUMBER: _ClassVar[int]
    ISV_SVN_FIELD_NUMBER: _ClassVar[int]
    DEBUG_FIELD_NUMBER: _ClassVar[int]
    REPORT_DATA_FIELD_NUMBER: _ClassVar[int]
    FMSPC_FIELD_NUMBER: _ClassVar[int]
    PCE_ID_FIELD_NUMBER: _ClassVar[int]
    PCE_SVN_FIELD_NUMBER: _ClassVar[int]
    TCB_COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    version: int
    mrenclave: str
    mrsigner: str
    isv_prod_id: int
    isv_svn: int
    debug: bool
    report_data: bytes
    fmspc: str
    pce_id: str
    pce_svn: int
    tcb_components: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, version: _Optional[int] = ..., mrenclave: _Optional[str] = ..., mrsigner: _Optional[str] = ..., isv_prod_id: _Optional[int] = ..., isv_svn: _Optional[int] = ..., debug: _Optional[bool] = ..., report_data: _Optional[bytes] = ..., fmspc: _Optional[str] = ..., pce_id: _Optional[str] = ..., pce_svn: _Optional[int] = ..., tcb_components: _Optional[_Iterable[int]] = ...) -> None: ...
