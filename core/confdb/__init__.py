"""The Snap Store confdb-schema store domain.

Pure functions, no transport and no storage: a servicer passes in what it looked up.

* `assertion`, `headers`, `canonical_json`: the snapd assertion text format and JSON bodies.
* `openpgp`: v4 RSA keys, snapd key ids (`sign-key-sha3-384`) and SHA-512 signatures.
* `keys`: what `register-key` accepts (account-key-request or an OpenPGP export).
* `macaroons`: minting credentials and authenticating `Authorization: Macaroon …`.
* `rules`, `storage_schema`, `store_schema`: views, body and request validation.
* `build`: build-assertion; `upload`: checks before storing; `listing`: list items.
* `problems`: how every failure maps onto `core.errors` and the store's `error_list` codes.
"""
