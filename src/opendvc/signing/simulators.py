"""The trust services a signature relies on, as one real HTTP server: the OCSP responder (``POST
/ocsp``), the CRLs (``GET /root.crl``, ``/intermediate.crl``) and the time-stamping authority (``POST
/tsa``, RFC 3161), all answered from a ``testca.TestCA``. Switches: ``down``/``slow``/``status`` as
every simulator; ``extra.no_revocation`` makes the OCSP and CRL endpoints answer 503 (revocation data
not reachable) while the TSA keeps answering."""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from opendvc.core.simulators import Request, Response, Simulator, register

from . import testca


class TrustServices(Simulator):
    name = "trust"

    def __init__(self, *, ca: testca.TestCA | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ca = ca
        self._stamper = None

    def use(self, ca: testca.TestCA) -> TrustServices:
        self.ca, self._stamper = ca, None
        return self

    def handle(self, request: Request) -> Response:
        if self.ca is None:
            return Response(status=503, body=b"no CA", content_type="text/plain")
        path = request.path
        if path.endswith(".crl") or path == "/ocsp":
            if self.switches.extra.get("no_revocation"):
                return Response(status=503, body=b"unavailable", content_type="text/plain")
            if path == "/root.crl":
                return Response(body=self.ca.crl("root"), content_type="application/pkix-crl")
            if path == "/intermediate.crl":
                return Response(body=self.ca.crl(), content_type="application/pkix-crl")
            return self._ocsp(request.body)
        if path == "/tsa" and request.method == "POST":
            return self._tsa(request.body)
        return Response(status=404, body=b"not found", content_type="text/plain")

    def _ocsp(self, body: bytes) -> Response:
        try:
            req = ocsp.load_der_ocsp_request(body)
        except ValueError:
            return Response(
                body=ocsp.OCSPResponseBuilder.build_unsuccessful(
                    ocsp.OCSPResponseStatus.MALFORMED_REQUEST
                ).public_bytes(serialization.Encoding.DER),
                content_type="application/ocsp-response",
            )
        cert = self.ca.by_serial(req.serial_number)
        if cert is None:
            return Response(
                body=ocsp.OCSPResponseBuilder.build_unsuccessful(
                    ocsp.OCSPResponseStatus.UNAUTHORIZED
                ).public_bytes(serialization.Encoding.DER),
                content_type="application/ocsp-response",
            )
        now = dt.datetime.now(dt.UTC)
        revoked_at = self.ca.revoked.get(req.serial_number)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=cert,
                issuer=self.ca.intermediate.cert,
                algorithm=req.hash_algorithm,
                cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
                this_update=now - dt.timedelta(minutes=1),
                next_update=now + dt.timedelta(hours=12),
                revocation_time=revoked_at,
                revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca.ocsp.cert)
            .certificates([self.ca.ocsp.cert])
        )
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                builder = builder.add_extension(ext.value, critical=False)
        resp = builder.sign(self.ca.ocsp.key, hashes.SHA256())
        return Response(
            body=resp.public_bytes(serialization.Encoding.DER),
            content_type="application/ocsp-response",
        )

    def _tsa(self, body: bytes) -> Response:
        from asn1crypto import keys
        from asn1crypto import x509 as asn1_x509

        if self._stamper is None:
            der = self.ca.tsa.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            cert = asn1_x509.Certificate.load(
                self.ca.tsa.cert.public_bytes(serialization.Encoding.DER)
            )
            chain = [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in (self.ca.intermediate.cert, self.ca.root.cert)
            ]
            self._stamper = _kept_key_stamper_class()(
                tsa_cert=cert, tsa_key=keys.PrivateKeyInfo.load(der), certs_to_embed=chain
            )
            self._stamper.private_key = self.ca.tsa.key
        try:
            req = tsp.TimeStampReq.load(body)
            req.native  # noqa: B018 - parse it all now: a malformed request is refused below
        except ValueError:
            return Response(
                status=400, body=b"malformed time-stamp request", content_type="text/plain"
            )
        resp = self._stamper.request_tsa_response(req)
        return Response(body=resp.dump(), content_type="application/timestamp-reply")


@functools.cache
def _kept_key_stamper_class():
    from asn1crypto import cms, core, tsp
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import general
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeptKeyTimeStamper(DummyTimeStamper):
        """pyHanko's RFC 3161 responder, with its RSA key parsed once: the stock one parses it (and
        checks it, about 50 ms of CPU) for every token, which made the simulator, not the portal, the
        bottleneck of a signing benchmark. Same token otherwise."""

        private_key = None
        # The signing-certificate attribute of the TSA's certificate, encoded once (built anew, it
        # is encoded again at every use: a fifth of a token's CPU).
        signing_certificate = b""

        def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
            if not self.signing_certificate:
                self.signing_certificate = general.as_signing_certificate(self.tsa_cert).dump()
            digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            digest.update(tst_info_data)
            signed_attrs = cms.CMSAttributes(
                [
                    general.simple_cms_attribute("content_type", "tst_info"),
                    general.simple_cms_attribute(
                        "signing_time", cms.Time({"utc_time": core.UTCTime(dt)})
                    ),
                    general.simple_cms_attribute(
                        "signing_certificate", tsp.SigningCertificate.load(self.signing_certificate)
                    ),
                    general.simple_cms_attribute("message_digest", digest.finalize()),
                ]
            )
            signature = self.private_key.sign(
                signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
            )
            return signature, signed_attrs

    return KeptKeyTimeStamper


class DemoTrustServices(TrustServices):
    """The demo's trust services: the CA kept in ``var/testca`` is served again (documents signed on an
    earlier run still verify); a new one is made and kept there only when none is present, or when the
    kept one points at another address or its certificates have expired (the demo pins
    ``var/testca/root.pem`` and loads the agency's ``signer.p12``)."""

    def start(self) -> DemoTrustServices:
        super().start()
        ca = demo_ca(demo_ca_directory(), self.url)
        self.use(ca)
        return self


def demo_ca_directory() -> Path:
    """Where the demo's CA is kept: ``testca`` in the portal's data folder (``OPENDVC_VAR_DIR``)."""
    from django.conf import settings

    return Path(getattr(settings, "VAR_DIR", "var")) / "testca"


def demo_ca(directory: Path, url: str) -> testca.TestCA:
    """The demo's CA: the one kept in ``directory`` when it serves ``url`` and is still valid, else a
    new one, written and kept there."""

    ca = testca.TestCA.load(directory)
    now = dt.datetime.now(dt.UTC)
    if (
        ca is None
        or ca.base_url != url
        or ca.leaves.get("seal") is None
        or ca.leaves["seal"].cert.not_valid_after_utc <= now + dt.timedelta(days=1)
    ):
        ca = testca.build(url)
        ca.save(directory)
    ca.write(directory)
    return ca


register(
    "trust",
    DemoTrustServices,
    port=18510,
    settings=lambda url: {
        "SIGNING_TSA_URL": f"{url}/tsa",
        "SIGNING_TRUST_ROOTS": os.fspath(demo_ca_directory() / "root.pem"),
        "SIGNING_SEAL_PKCS12": os.fspath(demo_ca_directory() / "seal.p12"),
        "SIGNING_SEAL_PASSPHRASE": testca.PASSPHRASE,
    },
    help="OCSP, CRL and time-stamping authority of the test CA (var/testca)",
)
