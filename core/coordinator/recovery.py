"""Recovery keys: making the data key recoverable, and the recover flow.

At manifest set the data key (DEK) is made recoverable by the manifest's RSA RecoveryKeys:
- zero or one key: the DEK itself, encrypted to the key;
- several keys, no threshold (or threshold = number of keys): one random 32-byte share per key,
  DEK = XOR of all shares, so every holder is needed;
- several keys with 2 <= threshold < n: Shamir shares of the DEK, any `threshold` suffice.
Every encryption is RSA-OAEP with SHA-256. The recovery data kept beside the sealed state
holds only SHA-256 hashes of the shares, so an uploaded share can be recognised, never derived.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from core.coordinator import shamir
from core.coordinator.datakey import DATA_KEY_SIZE, new_data_key
from core.errors import InvalidArgument

OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
# Shares of these sizes arrive in clear (XOR/single 32, Shamir 33, legacy 16); anything else was
# encrypted to the Coordinator's ephemeral recovery key.
PLAIN_SECRET_SIZES = (16, 32, 33)
RECOVERY_SUCCESSFUL = "Recovery successful."
# v1 POST /recover answers 410 with this since MarbleRun made recovery require signatures.
RECOVER_V1_DISABLED = ("Recovering the Coordinator using the /recover API endpoint has been disabled. "
                       "Use the /api/v2/recover endpoint instead.")


def progress_message(remaining: int) -> str:
    return f"Secret was processed successfully. Upload the next secret. Remaining secrets: {remaining}"


@dataclass(frozen=True)
class RecoverySetup:
    data_key: bytes
    recovery_data: bytes  # JSON: `null` (single) or {hex(sha256(share)): true}
    encrypted_secrets: dict[str, bytes]  # recovery key name -> RSA-OAEP ciphertext

    def recovery_secrets_b64(self) -> dict[str, str]:
        """The `RecoverySecrets` map a manifest set answers."""
        return {name: base64.b64encode(c).decode() for name, c in self.encrypted_secrets.items()}


def generate_recovery(keys: Mapping[str, rsa.RSAPublicKey], threshold: int = 0) -> RecoverySetup:
    """A new DEK and what each recovery key holder receives."""
    names = list(keys)
    if len(names) <= 1:
        dek = new_data_key()
        return RecoverySetup(dek, b"null", {n: keys[n].encrypt(dek, OAEP) for n in names})
    if threshold in (0, len(names)):
        shares = [os.urandom(DATA_KEY_SIZE) for _ in names]
        dek = bytes(DATA_KEY_SIZE)
        for share in shares:
            dek = bytes(a ^ b for a, b in zip(dek, share))
    else:
        dek = new_data_key()
        shares = shamir.split(dek, len(names), threshold)
    data = json.dumps({hashlib.sha256(s).hexdigest(): True for s in shares}).encode()
    return RecoverySetup(dek, data, {n: keys[n].encrypt(s, OAEP) for n, s in zip(names, shares)})


def sign_recovery_secret(private_key: rsa.RSAPrivateKey, secret: bytes) -> bytes:
    """What a key holder sends beside its share (the CLI does this): PKCS#1 v1.5, SHA-256."""
    return private_key.sign(secret, padding.PKCS1v15(), hashes.SHA256())


def new_ephemeral_key(bits: int = 4096) -> rsa.RSAPrivateKey:
    """The key clients may encrypt shares to in transit (RSA-4096 in MarbleRun)."""
    return rsa.generate_private_key(65537, bits)


def ephemeral_public_key_response(key: rsa.RSAPrivateKey) -> dict[str, str]:
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"algorithm": "RSA", "ephemeralPublicKey": base64.b64encode(der).decode()}


def decode_recovery_secret(secret: bytes, ephemeral_key: rsa.RSAPrivateKey | None) -> bytes:
    if len(secret) in PLAIN_SECRET_SIZES:
        return secret
    try:
        if ephemeral_key is None:
            raise ValueError("no ephemeral key was issued")
        return ephemeral_key.decrypt(secret, OAEP)
    except ValueError as exc:
        raise InvalidArgument(f"failed to decrypt recovery secret: {exc}", reason="RECOVERY_SECRET_UNDECRYPTABLE") from None


@dataclass
class RecoverResult:
    remaining: int
    message: str
    data_key: bytes | None  # set once the DEK is recovered (signatures still to be verified)


@dataclass
class RecoverySession:
    """Shares uploaded so far in recovery mode. Kept in memory: a restart starts over.

    `opens_state(key)` tells whether a candidate DEK opens the sealed state.
    """

    recovery_data: bytes
    uploads: list[tuple[bytes, bytes]] = field(default_factory=list)  # (secret, signature)

    def _hashes(self) -> dict[str, bool] | None:
        parsed = json.loads(self.recovery_data or b"null")
        return parsed if isinstance(parsed, dict) and parsed else None

    def submit(self, secret: bytes, signature: bytes, opens_state: Callable[[bytes], bool]) -> RecoverResult:
        hashes_ = self._hashes()
        if hashes_ is None:
            return self._submit_single(secret, signature, opens_state)
        digest = hashlib.sha256(secret).hexdigest()
        used = {hashlib.sha256(s).hexdigest() for s, _ in self.uploads}
        if digest not in hashes_ or digest in used:
            raise InvalidArgument("uploaded an invalid or already used secret", reason="RECOVERY_SECRET_INVALID")
        self.uploads.append((secret, signature))
        remaining = len(hashes_) - len(self.uploads)
        if len(secret) == DATA_KEY_SIZE + 1:  # Shamir shares carry their x coordinate
            if len(self.uploads) >= 2:
                candidate = shamir.combine([s for s, _ in self.uploads])
                if opens_state(candidate):
                    return RecoverResult(0, RECOVERY_SUCCESSFUL, candidate)
            if remaining == 0:
                raise InvalidArgument("recovered key does not open the sealed state", reason="RECOVERY_FAILED")
            return RecoverResult(remaining, progress_message(remaining), None)
        if remaining:
            return RecoverResult(remaining, progress_message(remaining), None)
        candidate = _xor([s for s, _ in self.uploads])
        if not opens_state(candidate):
            raise InvalidArgument("recovered key does not open the sealed state", reason="RECOVERY_FAILED")
        return RecoverResult(0, RECOVERY_SUCCESSFUL, candidate)

    def _submit_single(self, secret: bytes, signature: bytes, opens_state: Callable[[bytes], bool]) -> RecoverResult:
        """No recovery data: the share may be the DEK itself, or (legacy) one of an XOR set."""
        self.uploads.append((secret, signature))
        if opens_state(secret):
            self.uploads = [(secret, signature)]
            return RecoverResult(0, RECOVERY_SUCCESSFUL, secret)
        secrets_ = [s for s, _ in self.uploads]
        n = len(secrets_)
        for mask in range(3, 2**n):
            subset = [secrets_[i] for i in range(n) if mask >> i & 1]
            if len(subset) < 2 or len({len(s) for s in subset}) != 1:
                continue
            candidate = _xor(subset)
            if opens_state(candidate):
                self.uploads = [u for i, u in enumerate(self.uploads) if mask >> i & 1]
                return RecoverResult(0, RECOVERY_SUCCESSFUL, candidate)
        return RecoverResult(1, progress_message(1), None)

    def verify_signatures(self, keys: Mapping[str, rsa.RSAPublicKey], threshold: int = 0) -> None:
        """After the DEK is found: the manifest's recovery keys must have signed the shares.

        XOR/single: one valid signature for every recovery key. Shamir: exactly `threshold`
        valid signatures, each from a different key.
        """
        shamir_mode = len(keys) > 1 and threshold not in (0, len(keys))
        matched: set[str] = set()
        for secret, signature in self.uploads:
            for name, key in keys.items():
                if name not in matched and _verifies(key, secret, signature):
                    matched.add(name)
                    break
        if shamir_mode:
            if len(matched) != threshold or len(self.uploads) != threshold:
                raise InvalidArgument(f"recovery needs valid signatures from {threshold} recovery keys, "
                                      f"got {len(matched)}", reason="RECOVERY_SIGNATURE_INVALID")
            return
        for name in keys:
            if name not in matched:
                raise InvalidArgument(f'no matching recovery key found for recovery public key "{name}"',
                                      reason="RECOVERY_SIGNATURE_INVALID", metadata={"key": name})


def _verifies(key: rsa.RSAPublicKey, secret: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, secret, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _xor(parts: list[bytes]) -> bytes:
    out = bytes(len(parts[0]))
    for part in parts:
        out = bytes(a ^ b for a, b in zip(out, part))
    return out
