"""The Certificates service: AMS's trust store."""

from __future__ import annotations

import asyncio

import grpc
from switchyard.ams.v1 import certificates_pb2 as pb
from switchyard.ams.v1 import certificates_pb2_grpc as pb_grpc

from core.ams import trust
from core.context import CoreContext
from core.errors import InvalidArgument
from core.identity import current_caller


class CertificatesServicer(pb_grpc.CertificatesServicer):
    def __init__(self, ctx: CoreContext) -> None:
        self._db = ctx.db
        self._operations = ctx.operations

    async def ListCertificates(self, request: pb.ListCertificatesRequest, context) -> pb.CertificateList:
        await trust.require_trusted(self._db, current_caller())
        found = await self._db.read(trust.trusted_certificates)
        return pb.CertificateList(certificates=[_message(item) for item in found])

    async def AddCertificate(self, request: pb.AddCertificateRequest, context) -> pb.Certificate:
        caller = current_caller()
        if request.certificate:
            der = trust.certificate_from_body(request.certificate)
        elif caller.certificate_der is not None:
            der = caller.certificate_der
        else:
            raise InvalidArgument("certificate is required: none in the body and none presented over TLS",
                                  reason="CERTIFICATE_REQUIRED", metadata={"field": "certificate"})
        level = await self._db.read(lambda db: trust.trust_level(db, caller))
        if level != trust.TRUSTED:
            stored = await self._db.read(trust.trust_password_hash)
            password = request.trust_password or request.password
            await asyncio.to_thread(trust.check_trust_password, password, stored)
        fingerprint = await self._db.write(lambda db: trust.trust_certificate(db, der, request.name))
        return _message(trust.TrustedCertificate(fingerprint, der))

    async def GetCertificate(self, request: pb.GetCertificateRequest, context) -> pb.Certificate:
        await trust.require_trusted(self._db, current_caller())
        return _message(await self._db.read(lambda db: trust.find_certificate(db, request.fingerprint)))

    async def DeleteCertificate(self, request: pb.DeleteCertificateRequest, context):
        await trust.require_trusted(self._db, current_caller())
        found = await self._db.read(lambda db: trust.find_certificate(db, request.fingerprint))

        async def forget(progress) -> None:
            await self._db.write(lambda db: trust.forget_certificate(db, found.fingerprint))

        operation = await self._operations.launch(
            "Deleting certificate", forget,
            resources={"certificates": [f"/1.0/certificates/{found.fingerprint}"]},
        )
        return operation.to_proto()


def _message(certificate: trust.TrustedCertificate) -> pb.Certificate:
    return pb.Certificate(certificate=certificate.pem, fingerprint=certificate.fingerprint)


def register(server: grpc.aio.Server, ctx: CoreContext) -> str:
    pb_grpc.add_CertificatesServicer_to_server(CertificatesServicer(ctx), server)
    return pb.DESCRIPTOR.services_by_name["Certificates"].full_name
