"""Public verification of results as JSON (the same as ``/xac-thuc-ket-qua/``)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from opendvc.api.schemas import problems
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import client_ip, ratelimit_hit

from . import services
from .views import MAX_VERIFY_BYTES

router = Router(tags=["Xác thực giấy tờ"])


class VerificationOut(Schema):
    valid: bool
    reasons: list[str]
    sha256: str
    signed: bool
    intact: bool
    trusted: bool
    timestamped: bool
    issued: bool
    signer: str
    title: str
    organisation: str
    signed_at: datetime | None
    level: str
    dossier_code: str
    agency: str
    document_kind: str


class IssuedOut(Schema):
    dossier_code: str
    document_kind: str
    agency: str
    signer: str
    title: str
    signed_at: datetime
    level: str
    sha256: str


def _limited(request) -> None:
    if not ratelimit_hit(name="lookup", ident=client_ip(request)).allowed:
        raise ProblemError(
            "rate_limited",
            _("Bạn xác thực quá nhiều lần trong một phút; vui lòng thử lại sau."),
            status=429,
        )


@router.post(
    "/public/verifications",
    response={200: VerificationOut, **problems(413, 422, 429)},
    auth=None,
    summary="Xác thực tệp PDF kết quả",
)
def verify_pdf(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja parameter marker
    """Multipart upload (field ``file``): signature integrity, signer, time-stamp, trust (pinned roots)
    and whether the bytes are a document the portal issued. ``valid`` false with ``reasons`` otherwise."""
    _limited(request)
    if file.size and file.size > MAX_VERIFY_BYTES:
        raise ProblemError("payload_too_large", _("Tệp quá lớn (tối đa 20 MB)."), status=413)
    return services.pdf_verify(data=file.read()).__dict__


@router.get(
    "/public/verifications/{code}",
    response={200: IssuedOut, **problems(404, 429)},
    auth=None,
    summary="Tài liệu do Cổng cấp theo mã QR (mã hồ sơ + mã xác thực)",
)
def issued(request, code: str, key: str = ""):
    """What the QR code printed on a signed document points at; 404 for an unknown code or key."""
    _limited(request)
    signed = services.issued_lookup(code=code, key=key)
    if signed is None:
        raise Http404
    doc = signed.document
    return {
        "dossier_code": doc.dossier.code or "",
        "document_kind": str(doc.get_kind_display()),
        "agency": doc.dossier.receiving_agency.name,
        "signer": signed.signer_name,
        "title": signed.signer_title,
        "signed_at": signed.signed_at,
        "level": signed.level,
        "sha256": signed.sha256,
    }
