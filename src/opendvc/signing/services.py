"""Signing and verifying PDFs with legal value (Regulation QĐ 31/2020/QĐ-UBND Art. 4.7; Decree
30/2020/NĐ-CP Art. 8 on electronic documents signed with a digital signature).

* ``credential_for_agency`` / ``credential_seal``: the agency's signing certificate (PKCS#12 with the
  signer's name and title, ``SigningCertificate``) or the system's seal (``SIGNING_SEAL_PKCS12``).
* ``credential_check``: the certificate must chain to a pinned root (``SIGNING_TRUST_ROOTS``; roots are
  never fetched), be valid now and not be revoked (OCSP/CRL when reachable); otherwise signing is
  refused and nothing is issued. Validity dates are checked at every signature; the revocation answers
  are reused until their nextUpdate, at most ``SIGNING_REVOCATION_MAX_AGE`` seconds (300).
* ``pdf_sign``: PAdES B-T (time-stamp from ``SIGNING_TSA_URL``), B-LT when the revocation data could
  be fetched (in the document security store of the signature's own revision), with a QR code to the
  public verification (made with ``segno``, drawn as pyHanko draws it). Per process and kept: the
  signer of each PKCS#12 file (read again when the file or its passphrase changes), the TSA's HTTP
  connection.
* ``pdf_verify``: integrity, signer, time, trust and whether the bytes are a document the portal
  issued (``SignedDocument.sha256``).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.core.files import storage_access, stored_delete
from opendvc.core.links import absolute_url
from opendvc.core.prepared import PreparedRead, first_row
from opendvc.core.problems import ProblemError
from opendvc.dossiers.selectors import document_issued

from .models import SignedDocument, SigningCertificate

logger = logging.getLogger(__name__)

# How long a certificate found valid and not revoked is trusted without asking its OCSP responder/CRL
# again (``SIGNING_REVOCATION_MAX_AGE``, seconds): the answers are reused until their nextUpdate, never
# longer than this, so a certificate revoked meanwhile is refused at the latest this long after its
# revocation is published. When no revocation data could be fetched (soft-fail), the check is repeated
# after ``REVOCATION_RETRY_SECONDS`` at most.
REVOCATION_MAX_AGE_DEFAULT = 300
REVOCATION_RETRY_SECONDS = 60
# Certificates whose check is kept (one per signing certificate in use: agencies and the seal).
REVOCATION_CACHE_SIZE = 256
# Room reserved for the signature container (CMS, chain and time-stamp token), in hexadecimal digits
# as pyHanko counts it (16,384 digits: 8 KiB of DER): no trial signing to estimate it. A container that
# does not fit (long chains, a TSA embedding many certificates) is signed again with four times the room,
# kept for that certificate, up to ``SIGNATURE_BYTES_MAX``.
SIGNATURE_BYTES = 16384
SIGNATURE_BYTES_MAX = 4 * 4 * SIGNATURE_BYTES


def revocation_max_age() -> float:
    return float(getattr(settings, "SIGNING_REVOCATION_MAX_AGE", REVOCATION_MAX_AGE_DEFAULT))


@dataclass(frozen=True)
class Credential:
    signer: Any  # pyhanko.sign.signers.SimpleSigner
    name: str
    title: str
    organisation: str
    serial: str
    row: SigningCertificate | None = None
    purpose: str = SignedDocument.Purpose.RESULT


@dataclass
class Verification:
    """The public verification of one PDF (page and API)."""

    valid: bool
    reasons: list[str] = field(default_factory=list)
    sha256: str = ""
    signed: bool = False
    intact: bool = False
    trusted: bool = False
    issued: bool = False
    signer: str = ""
    organisation: str = ""
    title: str = ""
    signed_at: datetime | None = None
    timestamped: bool = False
    level: str = ""
    dossier_code: str = ""
    agency: str = ""
    document_kind: str = ""


def refused(message: str, code: str = "signing_refused") -> ProblemError:
    return ProblemError(
        code, message, status=409, extra={"errors": [{"path": "certificate", "message": message}]}
    )


# -- trust anchors and credentials ------------------------------------------------------------------


@lru_cache(maxsize=8)
def _roots(spec: str) -> tuple:
    from pyhanko.keys import load_certs_from_pemder

    paths = [p.strip() for p in spec.split(",") if p.strip()]
    return tuple(c for p in paths if Path(p).exists() for c in load_certs_from_pemder([p]))


def trust_roots() -> tuple:
    """The pinned roots (``SIGNING_TRUST_ROOTS``: PEM/DER files, comma-separated)."""
    return _roots(getattr(settings, "SIGNING_TRUST_ROOTS", "") or "")


_lock = threading.Lock()
_clock = time.monotonic
# Certificates found valid and not revoked: key → (monotonic expiry, validation context holding the
# revocation data fetched for them, embedded in the signed documents' DSS). Bounded, oldest out.
_checked: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()


# Signature room found needed per signing certificate (above ``SIGNATURE_BYTES``).
_room: dict[bytes, int] = {}


def caches_clear() -> None:
    """Forget kept revocation answers and checks (a new trust configuration, tests)."""
    with _lock:
        _checked.clear()
        _room.clear()


@lru_cache(maxsize=8)
def _timestamper(url: str):
    """The RFC 3161 client of ``url``: one kept ``httpx`` client per process (keep-alive: no TCP
    connection per signature, and no thread per request as with pyHanko's ``requests`` client)."""
    import httpx
    from asn1crypto import tsp
    from pyhanko.sign.timestamps.api import TimeStamper
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    class HttpxTimeStamper(TimeStamper):
        def __init__(self) -> None:
            super().__init__()
            self._client: httpx.Client | None = None
            self._pid = 0

        def _http(self) -> httpx.Client:
            # A client made before a fork (Celery's prefork pool) is not shared with the children.
            if self._client is None or self._pid != os.getpid():
                self._client = httpx.Client(
                    timeout=10, limits=httpx.Limits(max_keepalive_connections=4)
                )
                self._pid = os.getpid()
            return self._client

        async def async_request_tsa_response(self, req):
            body = req.dump()
            headers = {
                "Content-Type": "application/timestamp-query",
                "Accept": "application/timestamp-reply",
            }
            for attempt in (1, 2):
                try:
                    res = self._http().post(url, content=body, headers=headers)
                    break
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                    # A kept connection the TSA closed meanwhile: once more on a new one (a time-stamp
                    # request may be repeated).
                    if attempt == 2:
                        raise TimestampRequestError("Error in communication with the TSA") from exc
                except httpx.HTTPError as exc:
                    raise TimestampRequestError("Error in communication with the TSA") from exc
            if res.status_code != 200 or (
                res.headers.get("content-type") != "application/timestamp-reply"
            ):
                raise TimestampRequestError(f"TSA answered {res.status_code}")
            return tsp.TimeStampResp.load(res.content)

    return HttpxTimeStamper()


def validation_context(*, fetching: bool, extra_certs=()):
    """A new validation context on the pinned roots only. With ``fetching`` the OCSP/CRL are asked
    over HTTP (soft-fail: unreachable revocation data does not refuse, a "revoked" answer does)."""
    from pyhanko_certvalidator import ValidationContext

    roots = trust_roots()
    if not fetching:
        return ValidationContext(
            trust_roots=list(roots),
            other_certs=list(extra_certs),
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    return ValidationContext(
        trust_roots=list(roots),
        other_certs=list(extra_certs),
        allow_fetching=True,
        revocation_mode="soft-fail",
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=5),
    )


def _revocation_reuse(vc) -> float:
    """Seconds the revocation answers in ``vc`` may be reused: until the earliest nextUpdate among
    them, at most ``SIGNING_REVOCATION_MAX_AGE``; ``REVOCATION_RETRY_SECONDS`` when none was fetched."""
    limit = revocation_max_age()
    if not (vc.ocsps or vc.crls):
        return min(limit, REVOCATION_RETRY_SECONDS)
    now = timezone.now()
    updates = []
    for answer in vc.ocsps:
        try:
            basic = answer["response_bytes"]["response"].parsed
            updates += [r["next_update"].native for r in basic["tbs_response_data"]["responses"]]
        except (KeyError, TypeError, ValueError):
            updates.append(None)
    for crl in vc.crls:
        updates.append(crl["tbs_cert_list"]["next_update"].native)
    # An answer without nextUpdate: newer information may be available at any time (RFC 6960 §4.2.2.1).
    if any(u is None for u in updates):
        return min(limit, REVOCATION_RETRY_SECONDS)
    return max(0.0, min([limit, *((u - now).total_seconds() for u in updates)]))


@lru_cache(maxsize=1)
def _signer_class():
    from asn1crypto import tsp
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import attributes, general, signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

    class KeptSigningCertificate(attributes.SigningCertificateV2Provider):
        """The signing-certificate-v2 attribute (RFC 5035: the certificate's SHA-256 and its issuer
        and serial number) read from its DER, kept per signer. pyHanko builds it anew for every
        signature, with the issuer's name copied into a new structure that asn1crypto serialises
        again every time the signed attributes, the signer info or the signed data are encoded
        (eight times a signature): about half of a signature's CPU. Read from DER, the value
        encodes as the bytes it was read from."""

        def __init__(self, signing_cert, der: bytes):
            super().__init__(signing_cert=signing_cert)
            self.der = der

        async def build_attr_value(self, dry_run=False):
            return tsp.SigningCertificateV2.load(self.der)

    class KeptAttributes(attributes.SignedAttributeProviderSpec):
        """The signed attributes pyHanko chose for this signature, with its signing-certificate-v2
        provider replaced by the kept one (the same value)."""

        def __init__(self, spec, signer):
            self.spec, self.signer = spec, signer

        def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str):
            for provider in self.spec.signed_attr_providers(
                data_digest=data_digest, digest_algorithm=digest_algorithm
            ):
                if (
                    type(provider) is attributes.SigningCertificateV2Provider
                    and provider.signing_cert is self.signer.signing_cert
                ):
                    provider = KeptSigningCertificate(
                        provider.signing_cert, self.signer.signing_certificate_v2()
                    )
                yield provider

    class KeptKeySigner(signers.SimpleSigner):
        """pyHanko's ``SimpleSigner`` re-parses the DER private key on every signature (for RSA, with
        a key check of tens of milliseconds); this one keeps the parsed key, and the encoded
        signing-certificate-v2 attribute of its certificate (``KeptSigningCertificate``)."""

        private_key: Any = None
        _signing_certificate_v2: bytes = b""

        def signing_certificate_v2(self) -> bytes:
            if not self._signing_certificate_v2:
                self._signing_certificate_v2 = general.as_signing_certificate_v2(
                    self.signing_cert
                ).dump()
            return self._signing_certificate_v2

        def _signed_attr_provider_spec(self, *args, **kwargs):
            return KeptAttributes(super()._signed_attr_provider_spec(*args, **kwargs), self)

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algo = mechanism.signature_algo
            except ValueError:
                algo = mechanism["algorithm"].native
            key = self.private_key
            if algo == "rsassa_pkcs1v15":
                return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            if algo == "rsassa_pss":
                padding, hash_algo = process_pss_params(mechanism["parameters"])
                return key.sign(data, padding, hash_algo)
            if algo == "ecdsa":
                return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner


# The QR code of the stamp as pyHanko draws it (``qrcode``'s defaults: 10 units a module, a quiet zone
# of 4 modules, error correction level M).
QR_MODULE = 10
QR_BORDER = 4
# The mask pattern of every QR code the portal prints (here and in ``dossiers.documents``): mask 4,
# the one ``segno``'s evaluation of the eight masks (ISO/IEC 18004 §7.8.3, penalty rules) picks most
# often for the portal's lookup and verification links (148 of 300 sampled links; then mask 2, 110).
# Any mask makes a valid symbol that every reader decodes (its number is in the format information);
# evaluating all eight masks was four fifths of the CPU of each code.
QR_MASK = 4


def qr_commands(url: str) -> tuple[bytes, int]:
    """The PDF drawing commands of the QR code of ``url`` and its side in units: one rectangle per run
    of dark modules in a row, in a frame with the origin at the top left and one unit per module."""
    import segno

    qr = segno.make_qr(url, error="m", boost_error=False, mask=QR_MASK)
    n = qr.symbol_size(border=0)[0]
    side = (n + 2 * QR_BORDER) * QR_MODULE
    offset = QR_BORDER * QR_MODULE
    commands = [
        b"0 0 0 rg\n0 0 0 RG",
        b"%d 0 0 %d %d %d cm" % (QR_MODULE, -QR_MODULE, offset, offset + n * QR_MODULE),
    ]
    for y, row in enumerate(qr.matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                commands.append(b"%d %d %d 1 re" % (start, y, x - start))
            else:
                x += 1
    commands.append(b"f")
    return b"\n".join(commands), side


@lru_cache(maxsize=1)
def _qr_stamp_style_class():
    from pyhanko.pdf_utils.writer import init_xobject_dictionary
    from pyhanko.stamp import QRStamp, QRStampStyle

    class SegnoQRStamp(QRStamp):
        """pyHanko's QR stamp with the code made by ``segno`` (``qrcode``'s mask choice took a fifth of
        the CPU of a signature); the same size, placement and link."""

        def _qr_xobject(self):
            if self.style.qr_inner_content is not None:
                return super()._qr_xobject()
            stream, side = qr_commands(self.url)
            xobject = init_xobject_dictionary(stream, side, side)
            xobject.compress()
            return self.writer.add_object(xobject), side

    class SegnoQRStampStyle(QRStampStyle):
        def create_stamp(self, writer, box, text_params):
            params = dict(text_params)
            url = params.pop("url")
            return SegnoQRStamp(writer, style=self, url=url, text_params=params, box=box)

    return SegnoQRStampStyle


@lru_cache(maxsize=64)
def _load(path: str, stamp: tuple, passphrase: str):
    """The signer of a PKCS#12 file, parsed once per process (its key derivation is slow on purpose);
    ``stamp`` (modification time, size, inode) makes a replaced file or a new passphrase load anew."""
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers

    loaded = signers.SimpleSigner.load_pkcs12(
        path, passphrase=passphrase.encode() if passphrase else None
    )
    if loaded is None:
        raise refused(_("Không đọc được chứng thư số ký (tệp PKCS#12 hoặc mật khẩu không đúng)."))
    signer = _signer_class()(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )
    signer.private_key = serialization.load_der_private_key(
        loaded.signing_key.dump(), password=None
    )
    return signer


def credential_load(
    *,
    path: str,
    passphrase: str,
    name: str = "",
    title: str = "",
    row=None,
    purpose: str = SignedDocument.Purpose.RESULT,
) -> Credential:
    try:
        st = Path(path).stat()
        signer = _load(path, (st.st_mtime_ns, st.st_size, st.st_ino), passphrase)
    except OSError as exc:
        raise refused(
            _("Không tìm thấy tệp chứng thư số ký: %(path)s") % {"path": Path(path).name}
        ) from exc
    subject = signer.signing_cert.subject.native
    return Credential(
        signer=signer,
        name=name or subject.get("common_name", ""),
        title=title,
        organisation=subject.get("organization_name", ""),
        serial=format(signer.signing_cert.serial_number, "x"),
        row=row,
        purpose=purpose,
    )


# Read at every approval and every result signed: built once per process (``core.prepared``).
_ACTIVE_CERTIFICATE = PreparedRead(
    lambda agency_id: first_row(
        SigningCertificate.objects.filter(agency=agency_id, is_active=True)
    ),
    1,
)


def credential_for_agency(*, agency) -> Credential | None:
    """The agency's newest active signing certificate, or ``None`` when it has none configured."""
    row = _ACTIVE_CERTIFICATE.first(getattr(agency, "pk", agency))
    if row is None:
        return None
    return credential_load(
        path=row.pkcs12_path,
        passphrase=row.passphrase,
        name=row.signer_name,
        title=row.signer_title,
        row=row,
    )


def credential_seal() -> Credential | None:
    """The system's seal (``SIGNING_SEAL_PKCS12`` and ``SIGNING_SEAL_PASSPHRASE``), or ``None``."""
    path = getattr(settings, "SIGNING_SEAL_PKCS12", "") or ""
    if not path:
        return None
    return credential_load(
        path=path,
        passphrase=getattr(settings, "SIGNING_SEAL_PASSPHRASE", "") or "",
        name=getattr(settings, "PORTAL_NAME", ""),
        purpose=SignedDocument.Purpose.SEAL,
    )


def credential_check(credential: Credential, *, vc=None) -> Any:
    """Refuse (409 ``signing_refused``) a certificate that is expired or not yet valid, revoked, or
    not issued under a pinned root. Returns the validation context used (with the revocation data it
    fetched)."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        NotYetValidError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
    )

    cert = credential.signer.signing_cert
    now = timezone.now()
    if cert.not_valid_after < now:
        raise refused(
            _("Chứng thư số của %(name)s đã hết hạn ngày %(date)s; không thể ký.")
            % {
                "name": credential.name,
                "date": timezone.localtime(cert.not_valid_after).strftime("%d/%m/%Y"),
            }
        )
    if cert.not_valid_before > now:
        raise refused(
            _("Chứng thư số của %(name)s chưa có hiệu lực; không thể ký.")
            % {"name": credential.name}
        )
    if not trust_roots():
        raise refused(_("Chưa cấu hình chứng thư gốc tin cậy (SIGNING_TRUST_ROOTS); không thể ký."))
    key = (cert.dump(), tuple(c.dump() for c in trust_roots()))
    if vc is None:
        with _lock:
            hit = _checked.get(key)
            if hit is not None and _clock() < hit[0]:
                return hit[1]
    vc = vc or validation_context(fetching=True, extra_certs=tuple(credential.signer.cert_registry))
    validator = CertificateValidator(
        cert, intermediate_certs=list(credential.signer.cert_registry), validation_context=vc
    )
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
    except RevokedError as exc:
        raise refused(
            _("Chứng thư số của %(name)s đã bị thu hồi; không thể ký.") % {"name": credential.name}
        ) from exc
    except (ExpiredError, NotYetValidError) as exc:
        raise refused(
            _("Chứng thư số của %(name)s không còn hiệu lực; không thể ký.")
            % {"name": credential.name}
        ) from exc
    except PathBuildingError as exc:
        raise refused(
            _(
                "Chứng thư số của %(name)s không do tổ chức chứng thực được tin cậy cấp; không thể ký."
            )
            % {"name": credential.name}
        ) from exc
    except PathValidationError as exc:
        raise refused(
            _("Chứng thư số của %(name)s không hợp lệ: %(why)s")
            % {"name": credential.name, "why": str(exc)[:200]}
        ) from exc
    expires = _clock() + _revocation_reuse(vc)
    with _lock:
        _checked[key] = (expires, vc)
        _checked.move_to_end(key)
        while len(_checked) > REVOCATION_CACHE_SIZE:
            _checked.popitem(last=False)
    return vc


# -- signing -------------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@lru_cache(maxsize=1)
def _stamp_font():
    """The stamp's font engine factory, with the characters it can print. The stamp speaks Vietnamese
    ("Ký số", the signer's name as written) in ``core.pdf_fonts.STAMP``: a font of 300 glyphs without
    layout tables, which the engine embeds whole, from bytes compressed once per process. pyHanko's
    own engine cut the glyphs out of the font and shaped the text at every signature, which cost more
    than the rest of the signature (65 ms with the documents' font, 13 ms with this one)."""
    import zlib

    from fontTools.ttLib import TTFont
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    from opendvc.core.pdf_fonts import FOLDER, STAMP

    path = FOLDER / STAMP
    raw = path.read_bytes()
    packed = zlib.compress(raw)
    printable = frozenset(TTFont(io.BytesIO(raw)).getBestCmap())

    def set_font_file(cidfont, writer):
        stream = generic.StreamObject(
            {
                generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode"),
                generic.pdf_name("/Length1"): generic.NumberObject(len(raw)),
            },
            encoded_data=packed,
        )
        ref = writer.add_object(stream)
        cidfont._font_descriptor[generic.pdf_name("/FontFile2")] = ref
        return ref

    class WholeFont(GlyphAccumulator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            cidfont = self.cidfont_obj
            cidfont.set_font_file = lambda writer: set_font_file(cidfont, writer)

        def _extract_subset(self, options=None):
            """Nothing to cut: the font is embedded whole (its glyph ids are those the text uses)."""

    class Factory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return WholeFont(
                writer=writer,
                font_handle=io.BytesIO(raw),
                font_size=self.font_size,
                obj_stream=obj_stream,
            )

    return Factory(str(path)), printable


def _stamp_line(text: str, printable: frozenset) -> str:
    """``text`` as the stamp's font prints it: composed (NFC), a character it lacks written without its
    marks (or left out), on one line."""
    out = []
    for ch in unicodedata.normalize("NFC", " ".join(text.split())):
        if ord(ch) in printable:
            out.append(ch)
        else:
            out.extend(c for c in _ascii(ch) if ord(c) in printable)
    return " ".join("".join(out).split())


def verify_url(*, code: str, key: str) -> str:
    return absolute_url("signing:verify", query={"ma": code, "khoa": key})


def pdf_sign(
    *, pdf: bytes, credential: Credential, qr_url: str = "", reason: str = ""
) -> tuple[bytes, str]:
    """Sign ``pdf`` in PAdES with a time-stamp; returns the signed bytes and the level reached
    (``B-LT`` when revocation data was embedded, else ``B-T``). Raises 409 when the certificate is
    refused, 503 when the time-stamping authority does not answer."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.stamp import TextStampStyle

    vc = credential_check(credential)
    tsa = getattr(settings, "SIGNING_TSA_URL", "") or ""
    if not tsa:
        raise refused(_("Chưa cấu hình dịch vụ cấp dấu thời gian (SIGNING_TSA_URL); không thể ký."))
    reachable = bool(vc.ocsps or vc.crls)
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKySo",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=getattr(settings, "PROVINCE_NAME", "") or None,
        name=credential.name,
    )
    factory, printable = _stamp_font()
    lines = [credential.name, credential.title, credential.organisation]
    name, title, organisation = (_stamp_line(x or "", printable) for x in lines)
    # The stamp is part of the document, in Vietnamese whatever the signer's page language; a
    # literal "%" would be read as a parameter of the stamp's text.
    text = "\n".join(
        [
            "Ký số: " + name.replace("%", "%%"),
            title.replace("%", "%%"),
            organisation.replace("%", "%%"),
            "Thời gian: %(when)s",
        ]
    )
    box = TextBoxStyle(font=factory)
    style = (
        _qr_stamp_style_class()(
            stamp_text=text + "\nQuét mã QR để xác thực",
            border_width=0,
            text_box_style=box,
        )
        if qr_url
        else TextStampStyle(stamp_text=text, border_width=0, text_box_style=box)
    )
    signer = signers.PdfSigner(
        meta,
        signer=credential.signer,
        timestamper=_timestamper(tsa),
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec("ChuKySo", on_page=-1, box=(36, 24, 336, 96)),
    )
    chain = [credential.signer.signing_cert, *credential.signer.cert_registry]
    room_key = credential.signer.signing_cert.dump()
    room = _room.get(room_key, SIGNATURE_BYTES)
    while True:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if reachable:
            # PAdES B-LT in one revision: the revocation data fetched by the check goes into the
            # document security store of the revision that carries the signature (no second
            # incremental update to write, re-read and analyse at each verification).
            DocumentSecurityStore.supply_dss_in_writer(
                writer, None, certs=chain, ocsps=list(vc.ocsps), crls=list(vc.crls)
            )
        try:
            out = signer.sign_pdf(
                writer,
                # The stamp's time in Vietnam's time, written as on the portal's pages (pyHanko's
                # ``ts`` is the server's zone in ISO form: "2026-12-04 09:40:14 +07").
                appearance_text_params={
                    "when": timezone.localtime().strftime("%H:%M:%S %d/%m/%Y (GMT+7)"),
                    **({"url": qr_url} if qr_url else {}),
                },
                bytes_reserved=room,
            )
            break
        except SigningError as exc:
            if "larger than expected" in str(exc) and room < SIGNATURE_BYTES_MAX:
                # A longer chain or time-stamp token than the room kept: once more with more room,
                # remembered for this certificate.
                room *= 4
                _room[room_key] = room
                continue
            logger.warning("signing failed: %s", exc)
            raise refused(_("Không ký được tài liệu: %(why)s") % {"why": str(exc)[:200]}) from exc
        except Exception as exc:
            if type(exc).__name__ == "TimestampRequestError":
                raise ProblemError(
                    "tsa_unavailable",
                    _("Dịch vụ cấp dấu thời gian không trả lời; chưa ký được, hãy thử lại sau."),
                    status=503,
                ) from exc
            raise
    return out.getvalue(), "B-LT" if reachable else "B-T"


def document_sign(
    *, document, credential: Credential, purpose: str | None = None
) -> SignedDocument:
    """Sign a ``DossierDocument``'s PDF in place (file and hash replaced) and record the signature.
    Runs in the caller's transaction (the approval's): a refusal rolls the whole action back."""
    key = SignedDocument._meta.get_field("verify_key").default()
    code = document.dossier.code or ""
    with storage_access(), document.file.open("rb") as fh:
        pdf = fh.read()
    data, level = pdf_sign(
        pdf=pdf,
        credential=credential,
        qr_url=verify_url(code=code, key=key),
        reason=str(document.get_kind_display()),
    )
    old = document.file.name
    with storage_access():
        document.file.save(Path(old).name, ContentFile(data), save=False)
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.save(update_fields=["file", "sha256"])
    if old != document.file.name and old:
        # The unsigned rendering is removed only once the signed one is recorded (on commit).
        from django.db import transaction

        storage = document.file.storage
        transaction.on_commit(lambda: stored_delete(old, storage))
    cert = credential.signer.signing_cert
    return SignedDocument.objects.create(
        document=document,
        purpose=purpose or credential.purpose,
        sha256=document.sha256,
        verify_key=key,
        level=level,
        signer_name=credential.name,
        signer_title=credential.title,
        organisation=credential.organisation,
        certificate_serial=format(cert.serial_number, "x"),
        certificate=credential.row,
        signed_at=timezone.now(),
    )


# -- verification ------------------------------------------------------------------------------


def pdf_verify(*, data: bytes, check_issued: bool = True) -> Verification:
    """Verify an uploaded PDF: every signature intact and valid, chaining to a pinned root, with a
    time-stamp; and whether these exact bytes are a document the portal issued. ``valid`` only when all
    hold; ``reasons`` says why not, in Vietnamese. ``check_issued=False`` skips the portal's records (the
    benchmark of the cryptographic part alone)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature

    digest = hashlib.sha256(data).hexdigest()
    out = Verification(valid=False, sha256=digest)
    issued = (
        SignedDocument.objects.filter(sha256=digest)
        .select_related("document__dossier__receiving_agency")
        .first()
        if check_issued
        else None
    )
    if issued is not None:
        out.issued = True
        out.dossier_code = issued.document.dossier.code or ""
        out.agency = issued.document.dossier.receiving_agency.name
        out.document_kind = str(issued.document.get_kind_display())
        out.title = issued.signer_title
        out.level = issued.level
    elif check_issued:
        # Issued but never signed (a receipt or notice while the portal's seal is not configured): the
        # portal's own document, without the signature that would give it legal value.
        document = document_issued(sha256=digest)
        if document is not None:
            out.issued = True
            out.dossier_code = document.dossier.code or ""
            out.agency = document.dossier.receiving_agency.name
            out.document_kind = str(document.get_kind_display())
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - any parse failure of an uploaded file is "not a valid PDF"
        out.reasons.append(_("Không đọc được tệp: không phải tệp PDF hoặc tệp đã bị hỏng."))
        return out
    if not signatures:
        out.reasons.append(_("Tệp không có chữ ký số."))
        if out.issued:
            out.reasons.append(
                _("Tệp trùng với tài liệu do Cổng cấp, nhưng tài liệu này không được ký số.")
            )
        else:
            out.reasons.append(_("Tệp không phải tài liệu do Cổng cấp."))
        return out
    out.signed = True
    intact = valid = trusted = stamped = True
    for sig in signatures:
        try:
            vc = validation_context(fetching=False)
            status = validate_pdf_signature(
                sig, signer_validation_context=vc, ts_validation_context=vc
            )
        except Exception:  # noqa: BLE001 - a broken signature structure is an invalid signature
            intact = valid = trusted = False
            continue
        intact &= bool(status.intact)
        valid &= bool(status.valid)
        trusted &= bool(status.trusted)
        ts = status.timestamp_validity
        stamped &= ts is not None and bool(ts.intact and ts.valid)
        subject = status.signing_cert.subject.native
        out.signer = subject.get("common_name", "")
        out.organisation = subject.get("organization_name", "")
        out.signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
        # Only the revocation data and time-stamps (PAdES LT/LTA updates) may follow a signature.
        level = status.modification_level
        if level is None or level > ModificationLevel.LTA_UPDATES or status.docmdp_ok is False:
            intact = False
    out.intact, out.trusted, out.timestamped = intact and valid, trusted, stamped
    if not out.intact:
        out.reasons.append(
            _("Nội dung tệp đã bị thay đổi sau khi ký (chữ ký không khớp với nội dung).")
        )
    # A signature that no longer matches its content is not checked further by the validator: its
    # certificate is then neither trusted nor distrusted, and the change is the reason given.
    if not trusted and out.intact:
        out.reasons.append(_("Chứng thư số không do tổ chức chứng thực được tin cậy cấp."))
    if not stamped:
        out.reasons.append(_("Chữ ký không có dấu thời gian hợp lệ."))
    if not out.issued:
        out.reasons.append(_("Tệp không trùng với tài liệu nào do Cổng cấp."))
    out.valid = not out.reasons
    return out


def issued_lookup(*, code: str, key: str) -> SignedDocument | None:
    """The signed document a QR code points at (dossier code + verification key)."""
    if not code or not key:
        return None
    return (
        SignedDocument.objects.filter(document__dossier__code=code.strip(), verify_key=key.strip())
        .select_related("document__dossier__receiving_agency", "document__dossier__procedure")
        .first()
    )
