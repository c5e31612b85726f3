"""snapd's rules for a confdb-schema's `views` header and JSON body.

A view maps request paths (what `snap get`/`set` clients name) onto storage paths (where the
data lives). A store that accepted a schema snapd refuses would publish something devices
reject, so these checks mirror snapd's, with its messages where they are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.confdb.canonical_json import go_indent, parse_json
from core.confdb.headers import is_name
from core.confdb.problems import invalid
from core.confdb.storage_schema import check_storage_schema

ACCESS = ("read-write", "read", "write")
PRESENCE = ("optional", "required", "required-on-read", "required-on-write")
_VIEW_KEYS = {"rules", "summary", "parameters", "filters"}  # filters: the store document's own form
_RULE_KEYS = {"request", "storage", "access", "content"}
_NAME = r"[a-z](?:-?[a-z0-9])*"
_SUBKEY = re.compile(rf"(?:(?P<key>{_NAME})|\{{(?P<placeholder>{_NAME})\}})")
_BRACKET = re.compile(
    rf"\[(?:\{{(?P<index>{_NAME})\}}|(?P<literal>0|[1-9][0-9]*)|\.(?P<field>{_NAME})=\{{(?P<param>{_NAME})\}})\]"
)


@dataclass
class Path:
    keys: list[str] = field(default_factory=list)  # key placeholder names
    indexes: list[str] = field(default_factory=list)  # index placeholder names
    literals: int = 0
    params: list[str] = field(default_factory=list)  # parameters used by field filters


def _bad(message: str, reason: str = "invalid-views") -> Exception:
    return invalid(message, field="views", reason=reason)


def parse_path(text: str, *, storage: bool) -> Path:
    """Dotted subkeys, each a name or `{key}`, then `[{n}]` (and in storage `[0]`, filters)."""
    what = "storage" if storage else "request"
    path, pos = Path(), 0
    while True:
        found = _SUBKEY.match(text, pos)
        if not found:
            raise _bad(f"invalid {what} path {text!r}: bad subkey at offset {pos}", "invalid-path")
        if found["placeholder"]:
            path.keys.append(found["placeholder"])
        pos, filtered = found.end(), False
        while (bracket := _BRACKET.match(text, pos)) is not None:
            if bracket["index"] and not filtered:
                path.indexes.append(bracket["index"])
            elif bracket["literal"] and storage and not filtered:
                path.literals += 1
            elif bracket["param"] and storage:
                path.params.append(bracket["param"])
                filtered = True  # filters close a subkey: nothing but more filters may follow
            else:
                raise _bad(f"invalid {what} path {text!r}: unexpected {bracket[0]!r}", "invalid-path")
            pos = bracket.end()
        if pos == len(text):
            return path
        if text[pos] != "." or pos + 1 == len(text):
            raise _bad(f"invalid {what} path {text!r}: unexpected character at offset {pos}", "invalid-path")
        pos += 1


def _string(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _bad(f"{what} must be a string")
    return value


def _expand(rule: object, prefix: tuple[str, str] | None, access: str, view: str) -> Iterator[tuple[str, str, str]]:
    """Yield (request, storage, access) for a rule and every rule nested in its content."""
    if not isinstance(rule, dict) or not rule:
        raise _bad(f'view "{view}": each rule must be a non-empty map')
    unknown = set(rule) - _RULE_KEYS
    if unknown:
        raise _bad(f'view "{view}": unknown rule field(s) {sorted(unknown)}')
    if "storage" not in rule:
        raise _bad(f'view "{view}": a rule must have a "storage" field')
    storage = _string(rule["storage"], '"storage"')
    request = _string(rule.get("request", storage), '"request"')
    if not storage or not request:
        raise _bad(f'view "{view}": "request" and "storage" must not be empty')
    if "access" in rule:
        if prefix is not None:
            raise _bad(f'view "{view}": content sub-rules cannot set "access"')
        access = _string(rule["access"], '"access"')
        if access not in ACCESS:
            raise _bad(f"expected 'access' to be either \"read-write\", \"read\", \"write\" or empty but was \"{access}\"")
    if prefix is not None:
        # A sub-rule extends its parent's paths; an index like "[{n}]" attaches without a dot.
        request = prefix[0] + ("" if request.startswith("[") else ".") + request
        storage = prefix[1] + ("" if storage.startswith("[") else ".") + storage
    yield request, storage, access
    if "content" in rule:
        content = rule["content"]
        if not isinstance(content, list) or not content:
            raise _bad(f'view "{view}": "content" must be a non-empty list of rules')
        for sub in content:
            yield from _expand(sub, (request, storage), access, view)


def _declared_parameters(view: dict, name: str) -> set[str]:
    declared: set[str] = set()
    parameters = view.get("parameters", {})
    if not isinstance(parameters, dict):
        raise _bad(f'view "{name}": "parameters" must be a map')
    for param, spec in parameters.items():
        if not isinstance(spec, dict) or set(spec) - {"presence", "summary"}:
            raise _bad(f'view "{name}": parameter "{param}" may only have "presence" and "summary"')
        if spec.get("presence", "optional") not in PRESENCE:
            raise _bad(f'view "{name}": parameter "{param}" has an invalid presence {spec.get("presence")!r}')
        declared.add(param)
    filters = view.get("filters", [])
    if not isinstance(filters, list) or not all(isinstance(f, dict) and f for f in filters):
        raise _bad(f'view "{name}": "filters" must be a list of maps')
    for entry in filters:
        declared.update(entry)
    return declared


def check_view(name: str, view: object) -> None:
    if not is_name(name):
        raise _bad(f'cannot define view "{name}": name must conform to {_NAME}')
    if not isinstance(view, dict) or not view:
        raise _bad(f'view "{name}" must be a non-empty map')
    unknown = set(view) - _VIEW_KEYS
    if unknown:
        raise _bad(f'view "{name}": unknown field(s) {sorted(unknown)}')
    if "summary" in view:
        _string(view["summary"], f'view "{name}" summary')
    rules = view.get("rules")
    if not isinstance(rules, list) or not rules:
        raise _bad(f'view "{name}" must have a non-empty list of "rules"')
    declared = _declared_parameters(view, name)
    readable: set[str] = set()
    for rule in rules:
        for request, storage, access in _expand(rule, None, "read-write", name):
            _check_rule(name, request, storage, declared)
            if access != "write":
                if request in readable:
                    raise _bad('cannot have several reading rules with the same "request" field')
                readable.add(request)


def _check_rule(view: str, request: str, storage: str, declared: set[str]) -> None:
    req, sto = parse_path(request, storage=False), parse_path(storage, storage=True)
    names = req.keys + req.indexes
    if len(names) != len(set(names)):
        raise _bad(f'view "{view}": request "{request}" repeats a placeholder', "invalid-path")
    if set(names) != set(sto.keys + sto.indexes):
        raise _bad(f'request "{request}" and storage "{storage}" have mismatched placeholders', "invalid-path")
    if set(req.keys + sto.keys) & set(req.indexes + sto.indexes):
        raise _bad(f'view "{view}": a placeholder cannot be both a key and an index', "invalid-path")
    for param in sto.params:
        if param not in declared:
            raise _bad(f'view "{view}": storage "{storage}" filters on undeclared parameter "{param}"', "invalid-path")


def check_views(views: object) -> None:
    """Every view of a confdb-schema's `views` header, as snapd checks them."""
    if views is None:
        raise _bad('"views" stanza is mandatory', "missing-header")
    if not isinstance(views, dict) or not views:
        raise _bad('"views" stanza must be a non-empty map')
    for name, view in views.items():
        check_view(name, view)


def check_body(body: str) -> None:
    """A confdb-schema body: canonical JSON holding a `storage` object with a `schema`."""
    value = parse_json(body)
    if go_indent(value) != body:
        raise invalid(
            "JSON in body must be indented with 2 spaces and sort object entries by key",
            field="body",
            reason="body-not-canonical",
        )
    storage = value.get("storage") if isinstance(value, dict) else None
    if not isinstance(storage, dict):
        raise invalid('body must contain a "storage" stanza', field="body", reason="missing-storage")
    if not isinstance(storage.get("schema"), dict):
        raise invalid('body "storage" must contain a "schema" map', field="body", reason="missing-storage")
    check_storage_schema(storage)
