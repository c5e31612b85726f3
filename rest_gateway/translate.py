"""Proto messages to and from the JSON the documents show, by rule.

Field names are the proto names (the documents' keys); integers stay JSON numbers (the protobuf
JSON mapping would quote 64-bit ones); repeated fields are `[]` when empty, never null; an unset
message field or proto3 `optional` scalar is `null`; Struct/Value carry free-form JSON.
"""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

_FREE_FORM = {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"}
_TIMESTAMP = "google.protobuf.Timestamp"


class BindError(ValueError):
    """The request cannot become the RPC's request message: a 400 in every envelope."""


def to_json(message: Message) -> dict[str, Any]:
    return {field.name: _field_value(message, field) for field in message.DESCRIPTOR.fields}


def _field_value(message: Message, field: FieldDescriptor) -> Any:
    value = getattr(message, field.name)
    if _is_map(field):
        value_field = field.message_type.fields_by_name["value"]
        return {key: _single(value_field, item) for key, item in value.items()}
    if field.is_repeated:
        return [_single(field, item) for item in value]
    if field.has_presence and not message.HasField(field.name):
        return None
    return _single(field, value)


def _single(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        name = field.message_type.full_name
        if name in _FREE_FORM:
            return _whole_numbers(json_format.MessageToDict(value))
        if name == _TIMESTAMP:
            return value.ToJsonString()
        return to_json(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode()
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT) and float(value).is_integer():
        return int(value)  # 4.0 is written 4, as Go's encoding/json writes a whole float64
    if field.type == FieldDescriptor.TYPE_ENUM:
        return field.enum_type.values_by_number[value].name if value in field.enum_type.values_by_number else value
    return value


def _whole_numbers(value: Any) -> Any:
    """Free-form JSON keeps every number as a double; Go clients decode counts such as
    `"gpu-slots": -1` into ints and refuse `-1.0`, so whole numbers are written as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    return value


def _is_map(field: FieldDescriptor) -> bool:
    return (
        field.type == FieldDescriptor.TYPE_MESSAGE
        and field.message_type.GetOptions().map_entry
    )


def from_json(values: dict[str, Any], message: Message) -> Message:
    """Fill `message` from JSON values; unknown keys and wrong types are a BindError."""
    try:
        json_format.ParseDict(values, message, ignore_unknown_fields=False)
    except json_format.ParseError as error:
        raise BindError(str(error)) from None
    return message


def go_json_keys(document: Any, message_type: type[Message]) -> Any:
    """A `keys=` rule decoding a body as Go's encoding/json does: each top-level key matches the
    field of the same name in any casing (an exact match first); unknown keys are ignored."""
    if not isinstance(document, dict):
        return document
    names = message_type.DESCRIPTOR.fields_by_name
    folded = {name.lower(): name for name in names}
    out: dict[str, Any] = {}
    exact = {key for key in document if key in names}
    for key, value in document.items():
        name = key if key in names else folded.get(key.lower())
        if name is not None and (key in names or name not in exact):
            out[name] = value
    return out


def query_value(field: FieldDescriptor, raw: str) -> Any:
    """A query-string value converted to the JSON type of its field."""
    if field.type in _INTEGER_TYPES:
        try:
            return int(raw)
        except ValueError:
            raise BindError(f"argument {field.name} is invalid: {raw!r} is not an integer") from None
    if field.type == FieldDescriptor.TYPE_BOOL:
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", ""):
            return True
        if lowered in ("0", "false", "no"):
            return False
        raise BindError(f"argument {field.name} is invalid: {raw!r} is not a boolean")
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        try:
            return float(raw)
        except ValueError:
            raise BindError(f"argument {field.name} is invalid: {raw!r} is not a number") from None
    return raw


_INTEGER_TYPES = {
    FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED32, FieldDescriptor.TYPE_SFIXED64,
}
