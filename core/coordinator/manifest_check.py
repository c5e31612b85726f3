"""Every rule MarbleRun applies to a manifest before it accepts it.

Rules run in MarbleRun's order (Check, then the checks SetManifest makes while generating
secrets, recovery keys and users, then the template dry run). Maps are walked in document
order, so the first error is deterministic here where Go's is not. Messages keep MarbleRun's
wording and its `checking manifest: …` style prefixes, since clients see them verbatim;
`metadata["field"]` names the offending manifest field for machine use.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.coordinator.manifest import Manifest
from core.coordinator.templates import template_dry_run
from core.errors import InvalidArgument

SECRET_TYPES = ("cert-ecdsa", "cert-ed25519", "cert-rsa", "symmetric-key", "plain")
CERT_TYPES = ("cert-ecdsa", "cert-ed25519", "cert-rsa")
ECDSA_SIZES = (224, 256, 384, 521)
# Go's rsa.GenerateKey refuses keys this small in FIPS mode, which the Coordinator requires.
RSA_MIN_BITS = 2048
SEAL_MODES = ("", "ProductKey", "UniqueKey", "Disabled")
FEATURE_GATES = ("SignQuoteEndpoint", "MonotonicCounter", "AzureHSMSealing")
AZURE_HSM_ENV = (
    "EDG_MAA_URL", "EDG_AZURE_HSM_VAULT_URL", "EDG_AZURE_HSM_KEY_NAME",
    "EDG_AZURE_CLIENT_ID", "EDG_AZURE_TENANT_ID",
)
PERMISSION_UPDATE_SECURITY_VERSION = "updatesecurityversion"
PERMISSION_READ_SECRET = "readsecret"
PERMISSION_WRITE_SECRET = "writesecret"
PERMISSION_UPDATE_MANIFEST = "updatemanifest"


def _bad(prefix: str, message: str, field: str) -> InvalidArgument:
    return InvalidArgument(f"{prefix}: {message}", reason="INVALID_MANIFEST", metadata={"field": field})


def check_manifest(manifest: Manifest, environ: Mapping[str, str] | None = None) -> list[str]:
    """Raise InvalidArgument for the first broken rule; return warnings (debug packages).

    `environ` is the configuration's view of the process environment, needed only for the
    AzureHSMSealing gate; the Coordinator's config passes it, this module never reads os.environ.
    """
    warnings = check_structure(manifest, environ or {})
    check_secret_definitions(manifest)
    recovery_public_keys(manifest)
    user_certificates(manifest)
    template_dry_run(manifest)
    return warnings


def check_structure(manifest: Manifest, environ: Mapping[str, str]) -> list[str]:
    """MarbleRun's Manifest.Check: references, TLS tags, users, roles, secret types, config."""
    p = "checking manifest"
    m = manifest
    warnings: list[str] = []
    if not m.Packages:
        raise _bad(p, "no allowed packages defined", "Packages")
    if not m.Marbles:
        raise _bad(p, "no allowed marbles defined", "Marbles")
    for name, marble in m.Marbles.items():
        pkg = m.Packages.get(marble.Package)
        if pkg is None:
            raise _bad(p, f"manifest does not contain marble package {marble.Package}", f"Marbles.{name}.Package")
        field = f"Packages.{marble.Package}"
        if pkg.UniqueID and (pkg.SignerID or pkg.ProductID is not None or pkg.SecurityVersion is not None):
            message = (f"manifest specifies both UniqueID *and* SignerID/ProductID/SecurityVersion "
                       f"in package {marble.Package}")
            if not pkg.Debug:
                raise _bad(p, message, field)
            warnings.append(message)
        elif not pkg.UniqueID:
            for missing, is_missing in (
                ("SignerID", not pkg.SignerID),
                ("ProductID", pkg.ProductID is None),
                ("SecurityVersion", pkg.SecurityVersion is None),
            ):
                if is_missing:
                    message = f"manifest misses value for {missing} in package {marble.Package}"
                    if not pkg.Debug:
                        raise _bad(p, message, f"{field}.{missing}")
                    warnings.append(message)
        for tag in marble.TLS:
            if tag not in m.TLS:
                raise _bad(p, f"manifest misses TLS entry for {tag}", f"Marbles.{name}.TLS")

    for tag, entry in m.TLS.items():
        for incoming in entry.Incoming:
            where = f"TLS.Incoming.{tag}"
            if not incoming.Port:
                raise _bad(p, f"manifest misses Port in {where}", where)
            if incoming.Cert:
                if incoming.Cert not in m.Secrets:
                    raise _bad(p, f"{where} references undefined secret {incoming.Cert}", where)
                if not incoming.DisableClientAuth:
                    raise _bad(p, f"{where} defines Cert but does not disable client authentication", where)
            elif incoming.DisableClientAuth:
                raise _bad(p, f"{where} disables client authentication", where)
        for outgoing in entry.Outgoing:
            where = f"TLS.Outgoing.{tag}"
            if not outgoing.Addr:
                raise _bad(p, f"manifest misses Addr in {where}", where)
            if not outgoing.Port:
                raise _bad(p, f"manifest misses Port in {where}", where)

    seen_certs: dict[str, str] = {}
    for user_name, user in m.Users.items():
        if not user.Certificate:
            raise _bad(p, f"manifest does not contain a certificate for user {user_name}",
                       f"Users.{user_name}.Certificate")
        for role in user.Roles:
            if role not in m.Roles:
                raise _bad(p, f"manifest specifies role {role} for user {user_name}, but role does not exist",
                           f"Users.{user_name}.Roles")
        if user.Certificate in seen_certs:
            raise _bad(p, f"manifest contains the same certificate for users {seen_certs[user.Certificate]} "
                          f"and {user_name}", f"Users.{user_name}.Certificate")
        seen_certs[user.Certificate] = user_name

    for role_name, role in m.Roles.items():
        _check_role(m, role_name, role)

    for secret_name, secret in m.Secrets.items():
        if secret.Type not in SECRET_TYPES:
            raise _bad(p, f"unknown type: {secret.Type} for secret: {secret_name}", f"Secrets.{secret_name}.Type")
        if secret.Type in CERT_TYPES and secret.Cert.NotAfter is not None and secret.ValidFor:
            raise _bad(p, f"ambiguous certificate validity duration for secret: {secret_name}, "
                          "both NotAfter and ValidFor are specified", f"Secrets.{secret_name}.ValidFor")

    threshold = m.Config.UpdateThreshold
    if threshold:
        updaters = len(manifest_updaters(m))
        if updaters < threshold:
            raise _bad(p, f"not enough users with manifest update permissions ({updaters}) to meet the "
                          f"threshold of {threshold}", "Config.UpdateThreshold")
    if m.Config.SealMode not in SEAL_MODES:
        raise _bad(p, f"unknown seal mode: {m.Config.SealMode}", "Config.SealMode")
    known_gates = {g.lower(): g for g in FEATURE_GATES}
    for gate in m.Config.FeatureGates:
        if gate.lower() not in known_gates:
            raise _bad(p, f"unknown feature gate: {gate}", "Config.FeatureGates")
        if gate.lower() == "azurehsmsealing":
            _check_azure_env(environ)
    keys = len(m.RecoveryKeys)
    if keys < m.Config.RecoveryThreshold:
        raise _bad(p, f"recovery threshold ({m.Config.RecoveryThreshold}) is higher than the number of "
                      f"recovery keys ({keys})", "Config.RecoveryThreshold")
    if m.Config.RecoveryThreshold == 1:
        raise _bad(p, "invalid recovery threshold: if set, threshold must be at least 2", "Config.RecoveryThreshold")
    return warnings


def _check_role(m: Manifest, role_name: str, role) -> None:
    p = "checking manifest"
    field = f"Roles.{role_name}"
    if role.ResourceType == "Packages":
        for resource in role.ResourceNames:
            if resource not in m.Packages:
                raise _bad(p, f"role {role_name}: resource {resource} of type Packages is not defined in manifest",
                           f"{field}.ResourceNames")
        for action in role.Actions:
            if action.lower() != PERMISSION_UPDATE_SECURITY_VERSION:
                raise _bad(p, f"unknown action: {action} for type Packages in role: {role_name}", f"{field}.Actions")
    elif role.ResourceType == "Secrets":
        actions = {a.lower() for a in role.Actions}
        for action in role.Actions:
            if action.lower() not in (PERMISSION_READ_SECRET, PERMISSION_WRITE_SECRET):
                raise _bad(p, f"unknown action: {action} for type Secrets in role: {role_name}", f"{field}.Actions")
        for resource in role.ResourceNames:
            secret = m.Secrets.get(resource)
            if secret is None:
                raise _bad(p, f"role {role_name}: resource {resource} of type Secrets is not defined in manifest",
                           f"{field}.ResourceNames")
            if PERMISSION_WRITE_SECRET in actions and not secret.UserDefined:
                raise _bad(p, f"role {role_name} grants write access to secret {resource}, "
                              "which is not user-defined", f"{field}.Actions")
            if PERMISSION_READ_SECRET in actions and not (secret.Shared or secret.UserDefined):
                raise _bad(p, f"role {role_name} grants read access to secret {resource}, "
                              "which is unique to each marble", f"{field}.Actions")
    elif role.ResourceType == "Manifest":
        if role.ResourceNames:
            raise _bad(p, f"role {role_name}: resource type Manifest does not take resource names",
                       f"{field}.ResourceNames")
        for action in role.Actions:
            if action.lower() != PERMISSION_UPDATE_MANIFEST:
                raise _bad(p, f"unknown action: {action} for type Manifest in role: {role_name}", f"{field}.Actions")
    else:
        raise _bad(p, f"unrecognized resource type: {role.ResourceType} for role: {role_name}",
                   f"{field}.ResourceType")


def manifest_updaters(m: Manifest) -> list[str]:
    """Users allowed to update the whole manifest, counted as MarbleRun counts them for the
    threshold: a role of type Manifest whose first action is UpdateManifest."""
    out = []
    for user_name, user in m.Users.items():
        for role_name in user.Roles:
            role = m.Roles.get(role_name)
            if role and role.ResourceType == "Manifest" and role.Actions \
                    and role.Actions[0].lower() == PERMISSION_UPDATE_MANIFEST:
                out.append(user_name)
                break
    return out


def _check_azure_env(environ: Mapping[str, str]) -> None:
    missing = [name for name in AZURE_HSM_ENV if not environ.get(name)]
    has_credentials = bool(environ.get("EDG_AZURE_CLIENT_SECRET")) or (
        bool(environ.get("EDG_AZURE_AUTHORITY_HOST")) and bool(environ.get("EDG_AZURE_FEDERATED_TOKEN_FILE"))
    )
    if missing or not has_credentials:
        wanted = missing or ["EDG_AZURE_CLIENT_SECRET"]
        raise _bad("checking manifest", f"feature gate AzureHSMSealing requires environment variables: "
                                        f"{', '.join(wanted)}", "Config.FeatureGates")


def check_secret_definitions(m: Manifest) -> None:
    """The size and type rules MarbleRun enforces when it generates the secrets."""
    p = "generating secrets from manifest"
    for name, secret in m.Secrets.items():
        field = f"Secrets.{name}.Size"
        if secret.UserDefined:
            if secret.Type == "symmetric-key" and (secret.Size == 0 or secret.Size % 8):
                raise _bad(p, f"invalid secret size: {name}", field)
            continue
        if secret.Type == "symmetric-key":
            if secret.Size == 0 or secret.Size % 8:
                raise _bad(p, f"invalid secret size: {name}", field)
        elif secret.Type == "cert-ecdsa":
            if secret.Size not in ECDSA_SIZES:
                raise _bad(p, f"invalid secret size for cert-ecdsa, allowed are 224, 256, 384, 521: {name}", field)
        elif secret.Type == "cert-ed25519":
            if secret.Size:
                raise _bad(p, f"invalid secret size for cert-ed25519, none is allowed: {name}", field)
        elif secret.Type == "cert-rsa":
            if secret.Size < RSA_MIN_BITS or secret.Size > 16384:
                raise _bad(p, f"invalid secret size for cert-rsa: {name}: "
                              f"crypto/rsa: {secret.Size}-bit keys are insecure or unsupported", field)
        elif secret.Type == "plain":
            raise _bad(p, f"unsupported secret of type plain: {name}", f"Secrets.{name}.UserDefined")


def recovery_public_keys(m: Manifest) -> dict[str, rsa.RSAPublicKey]:
    """Each RecoveryKeys entry as an RSA public key (PEM `PUBLIC KEY`, PKIX)."""
    p = "generating recovery encryption key"
    out = {}
    for name, text in m.RecoveryKeys.items():
        field = f"RecoveryKeys.{name}"
        block = text.strip().encode()
        if not block.startswith(b"-----BEGIN PUBLIC KEY-----"):
            raise _bad(p, "given PEM data is not a public key", field)
        try:
            key = serialization.load_pem_public_key(block)
        except ValueError:
            raise _bad(p, "given PEM data is not a public key", field) from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise _bad(p, "unsupported type of public key", field)
        out[name] = key
    return out


def user_certificates(m: Manifest) -> dict[str, x509.Certificate]:
    """Each user's certificate, parsed from its PEM."""
    out = {}
    for name, user in m.Users.items():
        try:
            out[name] = x509.load_pem_x509_certificate(user.Certificate.encode())
        except ValueError:
            raise _bad("generating users from manifest", f"received invalid certificate for user {name}",
                       f"Users.{name}.Certificate") from None
    return out
