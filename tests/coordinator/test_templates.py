"""Parameters templates render as MarbleRun renders them."""

from __future__ import annotations

import base64

import pytest

from core.coordinator.manifest import Secret
from core.coordinator.templates import TemplateData, TemplateError, marblerun_entries, render_template


def _data() -> TemplateData:
    sym = Secret(Type="symmetric-key", Size=32, Private=b"\x01\x02\xff\x00", Public=b"\x01\x02\xff\x00")
    plain = Secret(Type="plain", UserDefined=True, Private=b"hello", Public=b"hello")
    cert = Secret(Type="cert-ecdsa", Size=256, Private=b"PRIV", Public=b"PUB")
    cert.Cert.Raw = b"DER"
    old = Secret(Type="symmetric-key", Size=32, Private=b"old!", Public=b"old!")
    return TemplateData({"sym": sym, "plain": plain, "cert": cert}, {"sym": old},
                        marblerun_entries(b"ROOT", b"INTER", b"MROOT", cert))


@pytest.mark.parametrize("text, section, expected", [
    (b"{{ hex .Secrets.sym }}", "files", b"0102ff00"),
    (b"{{ base64 .Secrets.sym }}", "env", base64.b64encode(b"\x01\x02\xff\x00")),
    (b"{{ raw .Secrets.sym }}", "files", b"\x01\x02\xff\x00"),
    (b"{{ raw .Secrets.cert.Cert }}", "files", b"DER"),
    (b"{{ raw .Secrets.cert }}", "files", b"PUB"),
    (b"{{ string .Secrets.plain }}", "env", b"hello"),
    (b"{{ .Secrets.sym | hex }}", "env", b"0102ff00"),
    (b"{{ hex .Previous.Secrets.sym }}", "env", b"old!".hex().encode()),
    (b"{{ raw .MarbleRun.CoordinatorRoot.Cert }}", "files", b"ROOT"),
    (b"{{ raw .MarbleRun.CoordinatorIntermediate.Cert }}", "files", b"INTER"),
    (b"{{ raw .MarbleRun.RootCA.Cert }}", "files", b"MROOT"),
    (b"{{ raw .MarbleRun.MarbleCert.Private }}", "files", b"PRIV"),
    (b"key={{ hex .Secrets.sym }};\n", "env", b"key=0102ff00;\n"),
    (b"a  {{- hex .Secrets.sym -}}  b", "env", b"a0102ff00b"),
    (b"{{/* a comment */}}x", "env", b"x"),
    (b"no templates here", "env", b"no templates here"),
    (b"{{ .Secrets.sym.Private }}", "env", b"[1 2 255 0]"),
])
def test_rendering(text, section, expected):
    assert render_template(text, _data(), section) == expected


def test_pem_blocks_by_kind():
    data = _data()
    assert render_template(b"{{ pem .Secrets.cert.Cert }}", data, "env").startswith(b"-----BEGIN CERTIFICATE-----\n")
    assert b"BEGIN PRIVATE KEY" in render_template(b"{{ pem .Secrets.cert.Private }}", data, "env")
    assert b"BEGIN PUBLIC KEY" in render_template(b"{{ pem .Secrets.cert.Public }}", data, "files")


def test_long_pem_wraps_at_64_columns():
    data = _data()
    data.secrets["cert"].Cert.Raw = bytes(range(200))
    lines = render_template(b"{{ pem .Secrets.cert.Cert }}", data, "files").split(b"\n")
    assert {len(line) for line in lines[1:-3]} == {64}


@pytest.mark.parametrize("text, section, fragment", [
    (b"{{ raw .Secrets.sym }}", "env", 'function "raw" not defined'),
    (b"{{ string .Secrets.sym }}", "files", 'function "string" not defined'),
    (b"{{ pem .Secrets.sym }}", "env", "invalid secret type for pem encoding"),
    (b"{{ pem .Secrets.sym.Cert }}", "env", "tried to parse secret with empty value"),
    (b"{{ hex .Secrets.ghost }}", "env", "secret does not exist: ghost"),
    (b"{{ if .Secrets.sym }}x{{ end }}", "env", "not supported"),
    (b"{{ hex .Secrets.sym ", "env", "unclosed action"),
    (b"{{ hex .Nope.sym }}", "env", "can't evaluate field Nope"),
    (b"{{ .Secrets.sym }}", "env", "encoding function"),
])
def test_template_errors(text, section, fragment):
    with pytest.raises(TemplateError) as err:
        render_template(text, _data(), section)
    assert fragment in str(err.value)
