"""The storage schema in a confdb-schema body (`{"storage": {...}}`), as snapd parses it.

Only the documented constraints are checked (types, aliases, per-type constraints and their
exclusions); keys snapd may add later are let through rather than refused, because refusing a
schema devices accept would break publishers just as surely.
"""

from __future__ import annotations

import re

from core.confdb.problems import invalid

BASE_TYPES = {"any", "string", "int", "number", "bool", "map", "array"}
_ALIAS_REF = re.compile(r"\$\{([a-z](?:-?[a-z0-9])*)\}")


def _bad(message: str) -> Exception:
    return invalid(f"invalid storage schema: {message}", field="body", reason="invalid-storage-schema")


class _Checker:
    def __init__(self, aliases: dict[str, object]) -> None:
        self.aliases = aliases

    def resolve(self, name: str, where: str) -> str:
        """The base type a type name stands for (aliases resolve to their definition's type)."""
        ref = _ALIAS_REF.fullmatch(name)
        if ref:
            if ref[1] not in self.aliases:
                raise _bad(f'{where}: unknown alias "{name}"')
            target = self.aliases[ref[1]]
            return target if isinstance(target, str) and target in BASE_TYPES else "alias"
        if name not in BASE_TYPES:
            raise _bad(f'{where}: unknown type "{name}"')
        return name

    def check(self, spec: object, where: str, *, in_alias: bool = False) -> None:
        if isinstance(spec, str):
            self.resolve(spec, where)
        elif isinstance(spec, list):
            if not spec:
                raise _bad(f"{where}: a list of alternative types cannot be empty")
            for i, alternative in enumerate(spec):
                self.check(alternative, f"{where}[{i}]", in_alias=in_alias)
        elif isinstance(spec, dict):
            self._check_map_spec(spec, where, in_alias)
        else:
            raise _bad(f"{where}: a type must be a string, a map or a list")

    def _check_map_spec(self, spec: dict, where: str, in_alias: bool) -> None:
        # A map without "type" is a map type: snapd's own vectors write {"schema": {...}} alone.
        kind = spec.get("type", "map")
        if not isinstance(kind, str):
            raise _bad(f'{where}: "type" must be a string')
        kind = self.resolve(kind, where)
        if in_alias and ("ephemeral" in spec or "visibility" in spec):
            raise _bad(f'{where}: "ephemeral" and "visibility" are not allowed in aliases')
        if "ephemeral" in spec and not isinstance(spec["ephemeral"], bool):
            raise _bad(f'{where}: "ephemeral" must be a boolean')
        if "visibility" in spec and spec["visibility"] != "secret":
            raise _bad(f'{where}: "visibility" can only be "secret"')
        if kind == "map":
            self._check_map(spec, where, in_alias)
        elif kind == "string":
            if "choices" in spec and "pattern" in spec:
                raise _bad(f'{where}: cannot use "choices" and "pattern" together')
            if "choices" in spec and not _strings(spec["choices"]):
                raise _bad(f'{where}: "choices" must be a non-empty list of strings')
            # Go's RE2 syntax is not Python's (e.g. `\z`), so the pattern is not compiled here.
            if "pattern" in spec and not isinstance(spec["pattern"], str):
                raise _bad(f'{where}: "pattern" must be a string')
        elif kind in ("int", "number"):
            self._check_numeric(spec, kind, where)
        elif kind == "array":
            if "values" in spec:
                self.check(spec["values"], f"{where}.values", in_alias=in_alias)
            if "unique" in spec and not isinstance(spec["unique"], bool):
                raise _bad(f'{where}: "unique" must be a boolean')

    def _check_map(self, spec: dict, where: str, in_alias: bool) -> None:
        if "schema" in spec and ("keys" in spec or "values" in spec):
            raise _bad(f'{where}: cannot use "schema" with "keys" or "values"')
        if "schema" in spec:
            schema = spec["schema"]
            if not isinstance(schema, dict):
                raise _bad(f'{where}: "schema" must be a map')
            for key, value in schema.items():
                self.check(value, f"{where}.{key}", in_alias=in_alias)
            required = spec.get("required", [])
            if not isinstance(required, list) or not all(isinstance(r, str) and r in schema for r in required):
                raise _bad(f'{where}: "required" must list keys of "schema"')
        if "keys" in spec:
            self.check(spec["keys"], f"{where}.keys", in_alias=in_alias)
            keys = spec["keys"]
            base = keys if isinstance(keys, str) else keys.get("type") if isinstance(keys, dict) else None
            if not isinstance(base, str) or self.resolve(base, where) not in ("string", "alias"):
                raise _bad(f'{where}: map keys must be string-based')
        if "values" in spec:
            self.check(spec["values"], f"{where}.values", in_alias=in_alias)

    @staticmethod
    def _check_numeric(spec: dict, kind: str, where: str) -> None:
        # Bodies are parsed as Go parses them, so every JSON number arrives as a float.
        def fits(value: object) -> bool:
            return isinstance(value, float) and (kind == "number" or value.is_integer())

        what = "an integer" if kind == "int" else "a number"
        bounds = {k: spec[k] for k in ("min", "max") if k in spec}
        for name, value in bounds.items():
            if not fits(value):
                raise _bad(f'{where}: "{name}" must be {what}')
        if "choices" in spec:
            if bounds:
                raise _bad(f'{where}: cannot use "choices" with "min" or "max"')
            choices = spec["choices"]
            if not isinstance(choices, list) or not choices or not all(fits(c) for c in choices):
                raise _bad(f'{where}: "choices" must be a non-empty list of {what.split()[-1]}s')
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            raise _bad(f'{where}: "min" cannot be greater than "max"')


def _strings(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def check_storage_schema(storage: dict) -> None:
    """`storage` is the body's "storage" object (already known to be a map)."""
    if storage.get("type", "map") != "map":
        raise _bad('top-level "type" must be "map"')
    aliases = storage.get("aliases", {})
    if not isinstance(aliases, dict):
        raise _bad('"aliases" must be a map')
    checker = _Checker(aliases)
    for name, spec in aliases.items():
        checker.check(spec, f"aliases.{name}", in_alias=True)
    schema = storage.get("schema")
    if not isinstance(schema, dict):
        raise _bad('"schema" must be a map')
    for key, spec in schema.items():
        checker.check(spec, f"schema.{key}")
