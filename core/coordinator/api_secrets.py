"""GetSecrets and SetSecrets: manifest users, by client certificate, as their roles allow."""

from __future__ import annotations

from google.protobuf import json_format
from switchyard.coordinator.v1 import client_api_pb2 as pb

from core.coordinator import store
from core.coordinator.api_base import ServicerBase
from core.coordinator.manifest import Secret
from core.coordinator.secrets import parse_user_secrets
from core.coordinator.status import require_state
from core.coordinator.templates import placeholder_secrets, template_dry_run
from core.coordinator.updates import secret_set_log_line
from core.coordinator.users import require_read_secrets, require_write_secret
from core.errors import InvalidArgument


def secret_message(secret: Secret) -> pb.Secret:
    message = pb.Secret(type=secret.Type, size=secret.Size, shared=secret.Shared,
                        userDefined=secret.UserDefined, validFor=secret.ValidFor)
    # Empty values stay unset so they are written as null, as Go writes a nil []byte.
    if secret.Cert.Raw:
        message.cert = secret.Cert.Raw
    if secret.Private:
        message.private = secret.Private
    if secret.Public:
        message.public = secret.Public
    return message


class SecretsApi(ServicerBase):
    async def GetSecrets(self, request: pb.GetSecretsRequest, context) -> pb.SecretsReply:
        names = list(request.s)
        if not names:
            raise InvalidArgument("invalid query: endpoint requires at least one query parameter",
                                  reason="INVALID_QUERY", metadata={"field": "s"})
        if any(not n for n in names):
            raise InvalidArgument("malformed query string: empty query parameter", reason="INVALID_QUERY",
                                  metadata={"field": "s"})
        certificates = self._caller_certificates()

        def read(db):
            user = self._user(db, certificates)
            require_state("get_secrets", store.read_state(db))
            require_read_secrets(user, names)
            return store.read_secrets(db, self._runtime.require_data_key(), names)

        secrets = await self._db.read(read)
        return pb.SecretsReply(secrets={name: secret_message(s) for name, s in secrets.items()})

    async def SetSecrets(self, request: pb.SetSecretsRequest, context) -> pb.SetSecretsReply:
        certificates = self._caller_certificates()
        body = json_format.MessageToDict(request.secrets) if request.HasField("secrets") else {}

        def write(db):
            user = self._user(db, certificates)
            require_state("set_secrets", store.read_state(db))
            dek = self._runtime.require_data_key()
            manifest = store.read_manifest(db)
            uploads = parse_user_secrets(body, manifest.Secrets)
            # The new values must still render every Marble's templates.
            template_dry_run(manifest, {**placeholder_secrets(manifest), **uploads})
            for name in uploads:
                require_write_secret(user, name)
            for name, secret in uploads.items():
                store.write_secret(db, dek, name, secret)
            store.append_update_log(db, [secret_set_log_line(user.name, n, s.Type) for n, s in uploads.items()])

        async with self._runtime.lock:
            await self._db.write(write)
        return pb.SetSecretsReply()
