"""Manifest decoding (Go's rules) and every validation rule MarbleRun applies on set."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.coordinator.manifest import parse_manifest
from core.coordinator.manifest_check import check_manifest
from core.errors import InvalidArgument
from tests.coordinator.conftest import manifest_bytes, manifest_dict, public_pem


def test_a_valid_manifest_passes(users):
    m = parse_manifest(manifest_bytes(manifest_dict(users)))
    assert check_manifest(m) == []
    assert m.Packages["backend"].SecurityVersion == 2
    assert m.Marbles["server"].Parameters.Argv == ["server", "--verbose"]


def test_keys_match_fields_case_insensitively():
    raw = b"""{"packages": {"p": {"signerid": "aa", "PRODUCTID": 3, "SecurityVERSION": 0, "debug": false}},
               "mArBlEs": {"m": {"package": "p", "maxactivations": 4, "tls": [],
                                 "parameters": {"FILES": {"/a": {"data": "aGk=", "ENCODING": "Base64", "notemplates": true}},
                                                "env": {"E": "x"}, "ARGV": ["a"]}}},
               "secrets": {"s": {"type": "symmetric-key", "SIZE": 64, "shared": true}},
               "config": {"sealmode": "ProductKey", "featuregates": ["signquoteendpoint"]},
               "unknownKey": {"ignored": true}}"""
    m = parse_manifest(raw)
    assert m.Packages["p"].ProductID == 3 and m.Packages["p"].SecurityVersion == 0
    assert m.Marbles["m"].MaxActivations == 4
    f = m.Marbles["m"].Parameters.Files["/a"]
    assert (f.Data, f.Encoding, f.NoTemplates) == (b"hi", "base64", True)
    assert m.Secrets["s"].Size == 64 and m.Secrets["s"].Shared
    assert m.Config.SealMode == "ProductKey"
    check_manifest(m)


def test_map_keys_stay_case_sensitive_and_exact_field_wins():
    m = parse_manifest(b'{"Packages": {"P": {}, "p": {}}, "Marbles": {}, "marbles": {"m": {"Package": "P"}}}')
    assert set(m.Packages) == {"P", "p"}
    assert m.Marbles["m"].Package == "P"


def test_absent_pointer_fields_differ_from_zero():
    m = parse_manifest(b'{"Packages": {"a": {"ProductID": 0}, "b": {}}}')
    assert m.Packages["a"].ProductID == 0 and m.Packages["b"].ProductID is None


def test_hex_file_and_secret_cert_template():
    m = parse_manifest(json.dumps({"Marbles": {"m": {"Parameters": {"Env": {"H": {"Data": "4142", "Encoding": "hex"}}}}},
                                   "Secrets": {"c": {"Type": "cert-rsa", "Size": 2048, "Cert": {
                                       "Subject": {"CommonName": "svc", "Organization": ["o"]},
                                       "DNSNames": ["svc.local"], "IPAddresses": ["10.0.0.1"],
                                       "NotAfter": "2030-01-01T00:00:00Z", "KeyUsage": 5, "ExtKeyUsage": [1],
                                       "IsCA": True}}}}).encode())
    assert m.Marbles["m"].Parameters.Env["H"].Data == b"AB"
    cert = m.Secrets["c"].Cert
    assert cert.Subject.CommonName == "svc" and cert.IPAddresses == ["10.0.0.1"] and cert.IsCA
    assert cert.NotAfter.year == 2030


@pytest.mark.parametrize("raw, fragment", [
    (b'{"Packages": {"p": {"ProductID": -1}}}', "Packages.p.ProductID"),
    (b'{"Packages": {"p": {"Debug": "yes"}}}', "Packages.p.Debug"),
    (b'{"Marbles": {"m": {"MaxActivations": 1.5}}}', "Marbles.m.MaxActivations"),
    (b'{"Marbles": {"m": {"Parameters": {"Env": {"E": {"Data": "x", "Encoding": "rot13"}}}}}}',
     "unknown encoding type: rot13"),
    (b'{"Packages": {}} trailing', "unmarshaling manifest"),
    (b'[1, 2]', "unmarshaling manifest"),
])
def test_malformed_json_is_rejected_naming_the_field(raw, fragment):
    with pytest.raises(InvalidArgument) as err:
        parse_manifest(raw)
    assert fragment in err.value.message


def _ec_public_pem() -> str:
    return ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _tls(m, tag_entry, marble_tags=("t",)):
    m["TLS"] = {"t": tag_entry}
    m["Marbles"]["server"]["TLS"] = list(marble_tags)


# Each case: (id, mutation of a valid manifest, expected message fragment, offending field).
RULES = [
    ("no-packages", lambda m, c: m.update(Packages={}), "no allowed packages defined", "Packages"),
    ("no-marbles", lambda m, c: m.update(Marbles={}), "no allowed marbles defined", "Marbles"),
    ("marble-package-missing", lambda m, c: m["Marbles"]["server"].update(Package="nope"),
     "manifest does not contain marble package nope", "Marbles.server.Package"),
    ("uniqueid-and-signerid", lambda m, c: m["Packages"]["frontend"].update(SignerID="ab"),
     "manifest specifies both UniqueID *and* SignerID/ProductID/SecurityVersion in package frontend",
     "Packages.frontend"),
    ("missing-signerid", lambda m, c: m["Packages"]["backend"].pop("SignerID"),
     "manifest misses value for SignerID in package backend", "Packages.backend.SignerID"),
    ("missing-productid", lambda m, c: m["Packages"]["backend"].pop("ProductID"),
     "manifest misses value for ProductID in package backend", "Packages.backend.ProductID"),
    ("missing-securityversion", lambda m, c: m["Packages"]["backend"].pop("SecurityVersion"),
     "manifest misses value for SecurityVersion in package backend", "Packages.backend.SecurityVersion"),
    ("marble-tls-tag-missing", lambda m, c: m["Marbles"]["server"].update(TLS=["ghost"]),
     "manifest misses TLS entry for ghost", "Marbles.server.TLS"),
    ("incoming-without-port", lambda m, c: _tls(m, {"Incoming": [{"Port": ""}]}),
     "manifest misses Port in TLS.Incoming.t", "TLS.Incoming.t"),
    ("incoming-undefined-cert", lambda m, c: _tls(m, {"Incoming": [{"Port": "1", "Cert": "x", "DisableClientAuth": True}]}),
     "TLS.Incoming.t references undefined secret x", "TLS.Incoming.t"),
    ("incoming-cert-with-client-auth", lambda m, c: _tls(m, {"Incoming": [{"Port": "1", "Cert": "certShared"}]}),
     "TLS.Incoming.t defines Cert but does not disable client authentication", "TLS.Incoming.t"),
    ("incoming-disables-client-auth", lambda m, c: _tls(m, {"Incoming": [{"Port": "1", "DisableClientAuth": True}]}),
     "TLS.Incoming.t disables client authentication", "TLS.Incoming.t"),
    ("outgoing-without-addr", lambda m, c: _tls(m, {"Outgoing": [{"Port": "1"}]}),
     "manifest misses Addr in TLS.Outgoing.t", "TLS.Outgoing.t"),
    ("outgoing-without-port", lambda m, c: _tls(m, {"Outgoing": [{"Addr": "db"}]}),
     "manifest misses Port in TLS.Outgoing.t", "TLS.Outgoing.t"),
    ("user-without-certificate", lambda m, c: m["Users"]["bob"].update(Certificate=""),
     "manifest does not contain a certificate for user bob", "Users.bob.Certificate"),
    ("user-role-missing", lambda m, c: m["Users"]["bob"].update(Roles=["ghost"]),
     "manifest specifies role ghost for user bob, but role does not exist", "Users.bob.Roles"),
    ("same-certificate-twice", lambda m, c: m["Users"]["bob"].update(Certificate=m["Users"]["alice"]["Certificate"]),
     "manifest contains the same certificate for users alice and bob", "Users.bob.Certificate"),
    ("packages-role-unknown-package", lambda m, c: m["Roles"]["packages"].update(ResourceNames=["ghost"]),
     "resource ghost of type Packages is not defined", "Roles.packages.ResourceNames"),
    ("packages-role-unknown-action", lambda m, c: m["Roles"]["packages"].update(Actions=["ReadSecret"]),
     "unknown action: ReadSecret for type Packages in role: packages", "Roles.packages.Actions"),
    ("secrets-role-unknown-action", lambda m, c: m["Roles"]["readonly"].update(Actions=["Delete"]),
     "unknown action: Delete for type Secrets in role: readonly", "Roles.readonly.Actions"),
    ("secrets-role-unknown-secret", lambda m, c: m["Roles"]["readonly"].update(ResourceNames=["ghost"]),
     "resource ghost of type Secrets is not defined", "Roles.readonly.ResourceNames"),
    ("write-generated-secret", lambda m, c: m["Roles"]["readonly"].update(Actions=["WriteSecret"]),
     "grants write access to secret symShared, which is not user-defined", "Roles.readonly.Actions"),
    ("read-private-secret", lambda m, c: m["Roles"]["readonly"].update(ResourceNames=["symPrivate"]),
     "grants read access to secret symPrivate, which is unique to each marble", "Roles.readonly.Actions"),
    ("manifest-role-with-names", lambda m, c: m["Roles"]["updater"].update(ResourceNames=["x"]),
     "resource type Manifest does not take resource names", "Roles.updater.ResourceNames"),
    ("manifest-role-unknown-action", lambda m, c: m["Roles"]["updater"].update(Actions=["ReadSecret"]),
     "unknown action: ReadSecret for type Manifest in role: updater", "Roles.updater.Actions"),
    ("unknown-resource-type", lambda m, c: m["Roles"]["updater"].update(ResourceType="manifest"),
     "unrecognized resource type: manifest for role: updater", "Roles.updater.ResourceType"),
    ("unknown-secret-type", lambda m, c: m["Secrets"]["symShared"].update(Type="password"),
     "unknown type: password for secret: symShared", "Secrets.symShared.Type"),
    ("notafter-and-validfor", lambda m, c: m["Secrets"]["certShared"].update(
        ValidFor=10, Cert={"NotAfter": "2030-01-01T00:00:00Z"}),
     "ambiguous certificate validity duration for secret: certShared", "Secrets.certShared.ValidFor"),
    ("update-threshold-too-high", lambda m, c: m.update(Config={"UpdateThreshold": 3}),
     "not enough users with manifest update permissions (2) to meet the threshold of 3", "Config.UpdateThreshold"),
    ("unknown-seal-mode", lambda m, c: m.update(Config={"SealMode": "productkey"}),
     "unknown seal mode", "Config.SealMode"),
    ("unknown-feature-gate", lambda m, c: m.update(Config={"FeatureGates": ["Teleport"]}),
     "unknown feature gate", "Config.FeatureGates"),
    ("azure-hsm-without-env", lambda m, c: m.update(Config={"FeatureGates": ["AzureHSMSealing"]}),
     "AzureHSMSealing requires environment variables", "Config.FeatureGates"),
    ("recovery-threshold-above-keys", lambda m, c: m.update(
        RecoveryKeys={"k1": c["rsa"][0], "k2": c["rsa"][1]}, Config={"RecoveryThreshold": 3}),
     "recovery threshold (3) is higher than the number of recovery keys (2)", "Config.RecoveryThreshold"),
    ("recovery-threshold-one", lambda m, c: m.update(
        RecoveryKeys={"k1": c["rsa"][0], "k2": c["rsa"][1]}, Config={"RecoveryThreshold": 1}),
     "invalid recovery threshold: if set, threshold must be at least 2", "Config.RecoveryThreshold"),
    ("symmetric-size-zero", lambda m, c: m["Secrets"]["symShared"].update(Size=0),
     "invalid secret size: symShared", "Secrets.symShared.Size"),
    ("symmetric-size-not-bytes", lambda m, c: m["Secrets"]["symShared"].update(Size=130),
     "invalid secret size: symShared", "Secrets.symShared.Size"),
    ("user-symmetric-size", lambda m, c: m["Secrets"]["userKey"].update(Size=12),
     "invalid secret size: userKey", "Secrets.userKey.Size"),
    ("ecdsa-size", lambda m, c: m["Secrets"]["certShared"].update(Size=300),
     "invalid secret size for cert-ecdsa", "Secrets.certShared.Size"),
    ("ed25519-size", lambda m, c: m["Secrets"]["certShared"].update(Type="cert-ed25519", Size=256),
     "invalid secret size for cert-ed25519", "Secrets.certShared.Size"),
    ("rsa-size", lambda m, c: m["Secrets"]["certShared"].update(Type="cert-rsa", Size=512),
     "invalid secret size for cert-rsa", "Secrets.certShared.Size"),
    ("plain-generated", lambda m, c: m["Secrets"].update(genPlain={"Type": "plain", "Shared": True}),
     "unsupported secret of type plain", "Secrets.genPlain.UserDefined"),
    ("recovery-key-not-public-key", lambda m, c: m.update(RecoveryKeys={"k": "-----BEGIN CERTIFICATE-----\nAA==\n"}),
     "given PEM data is not a public key", "RecoveryKeys.k"),
    ("recovery-key-not-rsa", lambda m, c: m.update(RecoveryKeys={"k": _ec_public_pem()}),
     "unsupported type of public key", "RecoveryKeys.k"),
    ("user-certificate-unparsable", lambda m, c: m["Users"]["bob"].update(Certificate="not a certificate"),
     "received invalid certificate for user bob", "Users.bob.Certificate"),
    ("template-undefined-secret", lambda m, c: m["Marbles"]["server"]["Parameters"]["Files"].update(
        {"/x": "{{ raw .Secrets.ghost }}"}), "secret does not exist: ghost", "Marbles.server.Parameters.Files./x"),
    ("template-raw-in-env", lambda m, c: m["Marbles"]["server"]["Parameters"]["Env"].update(
        {"X": "{{ raw .Secrets.symShared }}"}), 'function "raw" not defined', "Marbles.server.Parameters.Env.X"),
    ("template-pem-of-symmetric-key", lambda m, c: m["Marbles"]["server"]["Parameters"]["Env"].update(
        {"X": "{{ pem .Secrets.symShared }}"}), "invalid secret type for pem encoding", "Marbles.server.Parameters.Env.X"),
    ("template-pem-of-missing-cert", lambda m, c: m["Marbles"]["server"]["Parameters"]["Env"].update(
        {"X": "{{ pem .Secrets.symShared.Cert }}"}), "tried to parse secret with empty value",
     "Marbles.server.Parameters.Env.X"),
    ("template-ca-private-key", lambda m, c: m["Marbles"]["server"]["Parameters"]["Env"].update(
        {"X": "{{ pem .MarbleRun.RootCA.Private }}"}), "tried to parse secret with empty value",
     "Marbles.server.Parameters.Env.X"),
    ("template-unknown-field", lambda m, c: m["Marbles"]["server"]["Parameters"]["Env"].update(
        {"X": "{{ pem .MarbleRun.SealKey }}"}), "can't evaluate field SealKey", "Marbles.server.Parameters.Env.X"),
    ("env-null-byte", lambda m, c: m["Marbles"]["server"]["Parameters"]["Env"].update(
        {"X": {"Data": "YQBi", "Encoding": "base64"}}), "null bytes", "Marbles.server.Parameters.Env.X"),
    ("string-of-non-plain", lambda m, c: m["Marbles"]["server"]["Parameters"]["Env"].update(
        {"X": "{{ string .Secrets.symShared }}"}), "only secrets of type plain", "Marbles.server.Parameters.Env.X"),
]


@pytest.mark.parametrize("mutate, fragment, field", [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_rejects_its_manifest_naming_the_field(users, rsa_keys, mutate, fragment, field):
    m = manifest_dict(users)
    mutate(m, {"rsa": [public_pem(k) for k in rsa_keys]})
    with pytest.raises(InvalidArgument) as err:
        check_manifest(parse_manifest(manifest_bytes(m)))
    assert fragment in err.value.message
    assert err.value.metadata["field"] == field


def test_debug_packages_only_warn():
    m = manifest_dict()
    m["Packages"]["backend"] = {"Debug": True}
    m["Packages"]["frontend"] = {"Debug": True, "UniqueID": "aa", "SignerID": "bb"}
    warnings = check_manifest(parse_manifest(manifest_bytes(m)))
    assert "manifest misses value for SignerID in package backend" in warnings
    assert any("both UniqueID" in w for w in warnings)


def test_azure_hsm_gate_accepts_complete_environment():
    m = manifest_dict(Config={"FeatureGates": ["azurehsmsealing"]})
    env = {k: "x" for k in ("EDG_MAA_URL", "EDG_AZURE_HSM_VAULT_URL", "EDG_AZURE_HSM_KEY_NAME",
                            "EDG_AZURE_CLIENT_ID", "EDG_AZURE_TENANT_ID", "EDG_AZURE_CLIENT_SECRET")}
    check_manifest(parse_manifest(manifest_bytes(m)), environ=env)


def test_threshold_counts_only_users_whose_first_manifest_action_is_update(users):
    m = manifest_dict(users, Config={"UpdateThreshold": 2})
    check_manifest(parse_manifest(manifest_bytes(m)))
    m["Roles"]["updater"]["Actions"] = []
    with pytest.raises(InvalidArgument, match=r"\(0\) to meet the threshold of 2"):
        check_manifest(parse_manifest(manifest_bytes(m)))
