"""The build-assertion request schema, exactly as the Confdb Schemas API document gives it.

Kept as Python data (not a JSON file) so it ships with the package without package-data
configuration. `compatible_schema` adds what current snapcraft also sends.
"""

from __future__ import annotations

import copy
from typing import Any

BUILD_ASSERTION_REQUEST: dict[str, Any] = {   'additionalProperties': False,
    'definitions': {   'ContentRule': {   'additionalProperties': False,
                                          'properties': {   'access': {   'enum': [   'read',
                                                                                      'write',
                                                                                      'read-write']},
                                                            'content': {   'items': {   'oneOf': [   {   '$ref': '#/definitions/Rule'},
                                                                                                     {   '$ref': '#/definitions/ContentRule'}]},
                                                                           'minItems': 1,
                                                                           'type': 'array'},
                                                            'request': {   'minLength': 1,
                                                                           'type': 'string'},
                                                            'storage': {   'minLength': 1,
                                                                           'type': 'string'}},
                                          'required': ['storage', 'content'],
                                          'type': 'object'},
                       'Rule': {   'additionalProperties': False,
                                   'properties': {   'access': {   'enum': [   'read',
                                                                               'write',
                                                                               'read-write']},
                                                     'request': {'minLength': 1, 'type': 'string'},
                                                     'storage': {'minLength': 1, 'type': 'string'}},
                                   'required': ['storage'],
                                   'type': 'object'}},
    'properties': {   'account-id': {   'description': 'Issuer of the confdb-schema assertion',
                                        'minLength': 1,
                                        'type': 'string'},
                      'body': {'type': 'string'},
                      'name': {   'description': 'Confdb-schema name',
                                  'minLength': 1,
                                  'type': 'string'},
                      'views': {   'additionalProperties': False,
                                   'description': 'Views in a confdb-schema assertion',
                                   'maxProperties': 1,
                                   'minProperties': 1,
                                   'patternProperties': {   '^([a-z]-?)+[a-z]+$': {   'additionalProperties': False,
                                                                                      'minProperties': 1,
                                                                                      'properties': {   'filters': {   'items': {   'minProperties': 1,
                                                                                                                                    'patternProperties': {   '^.+$': {   'additionalProperties': False,
                                                                                                                                                                         'properties': {   'optional': {   'type': 'boolean'}},
                                                                                                                                                                         'type': 'object'}},
                                                                                                                                    'type': 'object'},
                                                                                                                       'minItems': 1,
                                                                                                                       'type': 'array'},
                                                                                                        'rules': {   'items': {   'anyOf': [   {   '$ref': '#/definitions/Rule'},
                                                                                                                                               {   '$ref': '#/definitions/ContentRule'}]},
                                                                                                                     'minItems': 1,
                                                                                                                     'type': 'array'}},
                                                                                      'required': [   'rules'],
                                                                                      'type': 'object'}},
                                   'propertyNames': {'maxLength': 128},
                                   'type': 'object'}},
    'required': ['account-id', 'name', 'views', 'body'],
    'type': 'object'}


def compatible_schema() -> dict[str, Any]:
    """The document's schema plus the fields real clients send beside it.

    snapcraft sends a top-level and per-view `summary` (since 8.4/8.10), `revision` when the
    user sets it, and per-view `parameters` (9.2); several views are allowed by snapd.
    """
    schema = copy.deepcopy(BUILD_ASSERTION_REQUEST)
    schema["properties"]["summary"] = {"type": "string"}
    schema["properties"]["revision"] = {"type": ["integer", "string"], "pattern": "^(0|[1-9][0-9]*)$", "minimum": 0}
    views = schema["properties"]["views"]
    del views["maxProperties"]
    view = next(iter(views["patternProperties"].values()))
    view["properties"]["summary"] = {"type": "string"}
    view["properties"]["parameters"] = {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "presence": {"enum": ["optional", "required", "required-on-read", "required-on-write"]},
                "summary": {"type": "string"},
            },
        },
    }
    return schema
