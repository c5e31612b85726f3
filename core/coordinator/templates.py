"""Parameters templates: the part of Go's text/template that MarbleRun manifests use.

Files and Env values are templates over `.Secrets.<name>[.Cert|.Private|.Public]`,
`.Previous.Secrets.…` and `.MarbleRun.{RootCA,MarbleCert,CoordinatorRoot,CoordinatorIntermediate}…`,
with the encoding functions MarbleRun registers (Files: pem hex raw base64; Env: pem hex
string base64). Actions are `{{ fn operand }}`, pipelines `{{ operand | fn }}`, bare operands,
`{{-`/`-}}` trimming and `{{/* comments */}}`. Control structures (if/range/with) are refused
with a clear error rather than half-implemented.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from cryptography.hazmat.primitives.serialization import Encoding

from core.coordinator.manifest import Manifest, Secret
from core.errors import InvalidArgument

Section = Literal["files", "env"]


@dataclass(frozen=True)
class _Bytes:
    """A typed byte value: what it is decides how `pem` wraps it."""

    kind: Literal["cert", "private", "public"]
    data: bytes


@dataclass
class TemplateData:
    """What a template can see. MarbleRun entries are Secrets with only `Cert.Raw` set,
    except MarbleCert which also has Private (PKCS#8 DER) and Public (PKIX DER)."""

    secrets: Mapping[str, Secret]
    previous: Mapping[str, Secret] = field(default_factory=dict)
    marblerun: Mapping[str, Secret] = field(default_factory=dict)


class TemplateError(Exception):
    """A template that does not parse or does not execute; the caller adds where it was."""


_FUNCS = {"files": ("pem", "hex", "raw", "base64"), "env": ("pem", "hex", "string", "base64")}
_ACTION = re.compile(rb"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(r'\s*(\.[A-Za-z0-9_.\-]*|\||"(?:[^"\\]|\\.)*"|`[^`]*`|[A-Za-z_][A-Za-z0-9_]*|\S)')
_CONTROL = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}


def render_template(text: bytes, data: TemplateData, section: Section) -> bytes:
    """Render one Files/Env value; raises TemplateError with Go-like wording."""
    out = bytearray()
    pos = 0
    trim_next = False
    for match in _ACTION.finditer(text):
        literal = text[pos:match.start()]
        if trim_next:
            literal = literal.lstrip()
        if match.group(1):
            literal = literal.rstrip()
        out += literal
        trim_next = bool(match.group(3))
        pos = match.end()
        line = text.count(b"\n", 0, match.start()) + 1
        body = match.group(2).decode("utf-8", "replace").strip()
        if body.startswith("/*") and body.endswith("*/"):
            continue
        out += _execute(body, data, section, line)
    rest = text[pos:]
    if b"{{" in rest:
        line = text.count(b"\n", 0, pos + rest.index(b"{{")) + 1
        raise TemplateError(f"template: data:{line}: unclosed action")
    out += rest.lstrip() if trim_next else rest
    return bytes(out)


def _execute(body: str, data: TemplateData, section: Section, line: int) -> bytes:
    commands = _parse(body, section, line)
    value: object = None
    for index, command in enumerate(commands):
        head, args = command[0], command[1:]
        if head.startswith("."):
            if args or index:
                raise TemplateError(f"template: data:{line}: can't give argument to non-function {head}")
            value = _resolve(head, data, body, line)
            continue
        operands = [_resolve(a, data, body, line) for a in args]
        if index:
            operands.append(value)
        if len(operands) != 1:
            raise TemplateError(f"template: data:{line}: wrong number of args for {head}: want 1 got {len(operands)}")
        try:
            value = _call(head, operands[0])
        except TemplateError as exc:
            raise TemplateError(f'template: data:{line}: executing "data" at <{body}>: error calling {head}: {exc}')
    return _print(value, body, line)


def _parse(body: str, section: Section, line: int) -> list[list[str]]:
    tokens = _TOKEN.findall(body)
    if not tokens:
        raise TemplateError(f"template: data:{line}: missing value for command")
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            commands.append([])
            continue
        if token[0] in "\"`":
            raise TemplateError(f"template: data:{line}: string literals are not supported in Parameters templates")
        if token[0].isalpha() or token[0] == "_":
            if token in _CONTROL:
                raise TemplateError(f"template: data:{line}: {token} actions are not supported in Parameters templates")
            if token not in _FUNCS[section]:
                raise TemplateError(f'template: data:{line}: function "{token}" not defined')
        elif not token.startswith("."):
            raise TemplateError(f"template: data:{line}: unexpected {token!r} in command")
        commands[-1].append(token)
    if any(not c for c in commands):
        raise TemplateError(f"template: data:{line}: missing command in pipeline")
    return commands


def _resolve(path: str, data: TemplateData, body: str, line: int) -> object:
    parts = path.strip(".").split(".")

    def fail(name: str) -> TemplateError:
        return TemplateError(f'template: data:{line}: executing "data" at <{path}>: can\'t evaluate field {name}')

    if parts[:2] == ["Previous", "Secrets"]:
        source, rest = data.previous, parts[2:]
    elif parts[0] == "Secrets":
        source, rest = data.secrets, parts[1:]
    elif parts[0] == "MarbleRun":
        source, rest = data.marblerun, parts[1:]
        if rest and rest[0] not in data.marblerun:
            raise fail(rest[0])
    else:
        raise fail(parts[0] or path)
    if not rest:
        raise fail(path)
    secret = source.get(rest[0])
    if secret is None:
        raise TemplateError(f'template: data:{line}: executing "data" at <{path}>: secret does not exist: {rest[0]}')
    if len(rest) == 1:
        return secret
    if len(rest) > 2 or rest[1] not in ("Cert", "Private", "Public"):
        raise fail(rest[1])
    if rest[1] == "Cert":
        return _Bytes("cert", secret.Cert.Raw)
    return _Bytes("private" if rest[1] == "Private" else "public", getattr(secret, rest[1]))


def _call(func: str, value: object) -> bytes:
    if func == "pem":
        if not isinstance(value, _Bytes):
            raise TemplateError("invalid secret type for pem encoding")
        if not value.data:
            raise TemplateError("tried to parse secret with empty value")
        label = {"cert": "CERTIFICATE", "private": "PRIVATE KEY", "public": "PUBLIC KEY"}[value.kind]
        return pem_block(label, value.data)
    if func == "string":
        if not isinstance(value, Secret) or value.Type != "plain":
            raise TemplateError("only secrets of type plain are allowed")
        if b"\x00" in value.Public:
            raise TemplateError("secret must not contain null bytes")
        return value.Public
    raw = _raw(value)
    if func == "raw":
        return raw
    if func == "hex":
        return raw.hex().encode()
    return base64.b64encode(raw)


def _raw(value: object) -> bytes:
    if isinstance(value, Secret):
        raw = value.Public  # a whole secret means its key material (symmetric key, plain data, public key)
    elif isinstance(value, _Bytes):
        raw = value.data
    elif isinstance(value, bytes):
        raw = value
    else:
        raise TemplateError("invalid secret type")
    if not raw:
        raise TemplateError("tried to parse secret with empty value")
    return raw


def _print(value: object, body: str, line: int) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, _Bytes):
        # Go's fmt prints a []byte as its decimal bytes; kept so output matches byte for byte.
        return ("[" + " ".join(str(b) for b in value.data) + "]").encode()
    raise TemplateError(f'template: data:{line}: executing "data" at <{body}>: a whole secret can only be '
                        "used with an encoding function")


def pem_block(label: str, der: bytes) -> bytes:
    """PEM as Go's encoding/pem writes it: 64-column base64 lines."""
    b64 = base64.b64encode(der)
    lines = b"\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return b"-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label.encode(), lines, label.encode())


def render_parameters(manifest: Manifest, marble: str, data: TemplateData) -> tuple[dict[str, bytes], dict[str, bytes], list[str]]:
    """(Files, Env, Argv) of one marble, rendered; InvalidArgument names the failing entry."""
    params = manifest.Marbles[marble].Parameters
    files: dict[str, bytes] = {}
    env: dict[str, bytes] = {}
    for section, source, target in (("files", params.Files, files), ("env", params.Env, env)):
        for name, value in source.items():
            kind = "file" if section == "files" else "env variable"
            try:
                rendered = value.Data if value.NoTemplates else render_template(value.Data, data, section)  # type: ignore[arg-type]
            except TemplateError as exc:
                raise InvalidArgument(f"in Marble {marble}: {kind} {name}: {exc}",
                                      reason="INVALID_TEMPLATE",
                                      metadata={"field": f"Marbles.{marble}.Parameters.{section.title()}.{name}"}) from None
            if section == "env" and b"\x00" in rendered:
                raise InvalidArgument(f"in Marble {marble}: env variable {name}: content contains null bytes",
                                      reason="INVALID_TEMPLATE",
                                      metadata={"field": f"Marbles.{marble}.Parameters.Env.{name}"})
            target[name] = rendered
    return files, env, list(params.Argv)


_DUMMY_CERT: bytes | None = None


def _dummy_cert_der() -> bytes:
    """One small certificate shared by every dry run: the dry run checks shapes, not values."""
    global _DUMMY_CERT
    if _DUMMY_CERT is None:
        import datetime as dt

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dry run")])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                .sign(key, hashes.SHA256()))
        _DUMMY_CERT = cert.public_bytes(Encoding.DER)
    return _DUMMY_CERT


def placeholder_secrets(manifest: Manifest) -> dict[str, Secret]:
    """Secrets shaped like the generated ones (user-defined ones as the 1-byte value 0x41, as
    MarbleRun's dry run does), so a dry run fails exactly where a real render would."""
    out: dict[str, Secret] = {}
    for name, s in manifest.Secrets.items():
        if s.UserDefined or s.Type in ("symmetric-key", "plain"):
            out[name] = Secret(Type=s.Type, Size=s.Size, Shared=s.Shared, UserDefined=s.UserDefined,
                               Private=b"A", Public=b"A")
            if s.UserDefined and s.Type.startswith("cert-"):
                out[name].Cert.Raw = _dummy_cert_der()
        else:
            placeholder = Secret(Type=s.Type, Size=s.Size, Shared=s.Shared, Private=b"A", Public=b"A")
            placeholder.Cert.Raw = _dummy_cert_der()
            out[name] = placeholder
    return out


def marblerun_entries(root_der: bytes, intermediate_der: bytes, marble_root_der: bytes,
                      leaf: Secret | None = None) -> dict[str, Secret]:
    """The `.MarbleRun` namespace: CA entries carry only a certificate."""
    def cert_only(der: bytes) -> Secret:
        s = Secret()
        s.Cert.Raw = der
        return s

    return {
        "RootCA": cert_only(marble_root_der),
        "MarbleCert": leaf or Secret(),
        "CoordinatorRoot": cert_only(root_der),
        "CoordinatorIntermediate": cert_only(intermediate_der),
    }


def template_dry_run(manifest: Manifest, secrets: Mapping[str, Secret] | None = None) -> None:
    """Render every marble's Parameters against placeholder (or given) secrets."""
    values = dict(secrets) if secrets is not None else placeholder_secrets(manifest)
    dummy = _dummy_cert_der()
    leaf = Secret(Private=b"A", Public=b"A")
    leaf.Cert.Raw = dummy
    data = TemplateData(values, values, marblerun_entries(dummy, dummy, dummy, leaf))
    for marble in manifest.Marbles:
        try:
            render_parameters(manifest, marble, data)
        except InvalidArgument as exc:
            raise InvalidArgument(f"running manifest template dry run: {exc.message}",
                                  reason=exc.reason, metadata=exc.metadata) from None
