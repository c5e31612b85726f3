"""Interoperability with a real OpenPGP implementation: a key made and a signature produced by
GnuPG (as `snap sign` drives it) are registered and verified by the store's own code."""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import datetime, timezone

import pytest

from core.confdb.assertion import assemble_content, encode_assertion
from core.confdb.keys import register_key
from core.confdb.openpgp import read_packet, verify_signature
from core.confdb.upload import check_upload
from tests.confdb.test_build import request
from core.confdb.build import build_assertion

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="GnuPG is not installed")


@pytest.fixture(scope="module")
def gnupg(tmp_path_factory):
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)

    def gpg(*args: str, data: bytes | None = None) -> bytes:
        return subprocess.run(
            ["gpg", "--homedir", str(home), "--batch", "--quiet", "--passphrase", "", *args],
            input=data,
            capture_output=True,
            check=True,
        ).stdout

    gpg("--quick-gen-key", "Test Publisher <publisher@example.com>", "rsa4096", "sign", "never")
    return gpg


def snapd_signature(gpg_output: bytes) -> str:
    """What snapd does with gpg's detached signature: re-frame it with a new-format header."""
    tag, body, end = read_packet(gpg_output, 0, "signature")
    assert tag == 2 and end == len(gpg_output)
    length = bytes([((len(body) - 192) >> 8) + 192, (len(body) - 192) & 0xFF]) if len(body) >= 192 else bytes([len(body)])
    return base64.b64encode(b"\x01\xc2" + length + body).decode()


def test_gnupg_key_and_signature_are_accepted(gnupg):
    now = datetime.now(timezone.utc)
    key = register_key("publisher1", gnupg("--armor", "--export"), now=now.replace(year=now.year - 1))
    headers = build_assertion(request(), caller="publisher1", latest_revision=None, now=now)
    headers["sign-key-sha3-384"] = key.key_id
    body = headers.pop("body").encode()
    content = assemble_content(headers, body)
    signature = snapd_signature(gnupg("--digest-algo", "SHA512", "--detach-sign", data=content))
    verify_signature(content, signature, key.public_key)
    raw = encode_assertion(content, signature)
    stored = check_upload(
        raw, caller="publisher1", find_key={key.key_id: key}.get, latest_revision=lambda name: None, now=now
    )
    assert stored.signed == content
