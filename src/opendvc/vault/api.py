"""The citizen's document store over the API: list, upload, delete own uploads, reuse in a draft
dossier by reference, share by link (with the access log)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BeforeValidator, StrictInt

from opendvc.accounts.selectors import organisation_for_member
from opendvc.api.auth import require_scope
from opendvc.api.schemas import problems
from opendvc.core.problems import ProblemError
from opendvc.dossiers.uploads import UploadError, check_file, read_limited

from . import services
from .models import ShareLink, StoredDocument

router = Router(tags=["Kho dữ liệu cá nhân"])


def _blank_is_none(value):
    return None if isinstance(value, str) and not value.strip() else value


# A form's date left empty is no date (an HTML form sends the empty field).
OptionalDay = Annotated[date | None, BeforeValidator(_blank_is_none)]


class StoredOut(Schema):
    id: UUID
    source: str
    document_type: str
    title: str
    issuer: str
    number: str
    issued_on: date | None
    expires_on: date | None
    expired: bool
    reusable: bool
    size: int
    sha256: str
    dossier_code: str | None
    signed: bool
    created_at: datetime


class ReuseIn(Schema):
    dossier: UUID
    # A component's number, not a truth value or a text (pydantic would read true as 1).
    component: StrictInt


class ShareIn(Schema):
    # A number of days, not a truth value or a text (pydantic would read true as 1).
    days: StrictInt


class ShareOut(Schema):
    token: str
    url: str
    expires_at: datetime
    # Whether the link still opens the document (not expired, not revoked), and when it was revoked.
    active: bool
    revoked_at: datetime | None = None
    accesses: int


def _mine(request, public_id: UUID) -> StoredDocument:
    return get_object_or_404(StoredDocument, public_id=public_id, owner=request.user)


@router.get(
    "/vault/documents", response=list[StoredOut], summary="Giấy tờ trong kho dữ liệu của tôi"
)
def list_documents(request):
    require_scope(request, "read")
    return [services.describe(d) for d in services.owner_documents(owner=request.user)]


@router.get(
    "/vault/organisations/{organisation_id}/documents",
    response={200: list[StoredOut], **problems(404)},
    summary="Giấy tờ trong kho dữ liệu của một tổ chức",
)
def list_organisation_documents(request, organisation_id: UUID):
    """The store of an organisation the caller may act for (its representative or authorised staff):
    every result and receipt issued to the dossiers filed in its name, whoever filed them. 404 for an
    organisation the caller is not a member of."""
    require_scope(request, "read")
    organisation = organisation_for_member(user=request.user, public_id=organisation_id)
    return [services.describe(d) for d in services.organisation_documents(organisation=organisation)]


@router.post(
    "/vault/documents",
    response={201: StoredOut, **problems(413, 422, 503)},
    summary="Tải giấy tờ lên kho",
)
def upload_document(
    request,
    file: UploadedFile = File(...),  # noqa: B008 - ninja parameter markers
    document_type: str = Form(...),  # noqa: B008
    issuer: str = Form(""),  # noqa: B008
    number: str = Form(""),  # noqa: B008
    issued_on: OptionalDay = Form(None),  # noqa: B008
    expires_on: OptionalDay = Form(None),  # noqa: B008
    title: str = Form(""),  # noqa: B008
):
    require_scope(request, "dossiers:write")
    try:
        checked = check_file(name=file.name or "", content=read_limited(file))
    except UploadError as exc:
        status = {"file_too_large": 413, "scan_unavailable": 503}.get(exc.code, 422)
        raise ProblemError(
            "payload_too_large" if status == 413 else exc.code, exc.message, status=status
        ) from exc
    doc = services.document_upload(
        owner=request.user,
        checked=checked,
        document_type=document_type,
        title=title,
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        request=request,
    )
    return Status(201, services.describe(doc))


@router.delete(
    "/vault/documents/{public_id}",
    response={204: None, **problems(404, 409)},
    summary="Xóa giấy tờ tự tải lên",
)
def delete_document(request, public_id: UUID):
    require_scope(request, "dossiers:write")
    services.document_delete(
        document=_mine(request, public_id), actor=request.user, request=request
    )
    return Status(204, None)


class ReuseOut(Schema):
    dossier: UUID = Field(description="Hồ sơ nháp đã nhận giấy tờ")
    component: int = Field(description="Thành phần hồ sơ mà giấy tờ được gắn vào")


@router.post(
    "/vault/documents/{public_id}/reuse",
    response={200: ReuseOut, **problems(404, 409, 413, 422, 503)},
    summary="Dùng lại giấy tờ trong hồ sơ nháp (tham chiếu, không sao chép)",
)
def reuse_document(request, public_id: UUID, payload: ReuseIn):
    """Attach the document to a draft dossier's component by reference to its stored file. 404
    ``file_missing`` when the file is no longer in the storage (upload it again), 503
    ``storage_unavailable`` when the storage cannot be read just now."""
    from opendvc.catalog.models import Component
    from opendvc.dossiers.models import Dossier

    require_scope(request, "dossiers:write")
    doc = _mine(request, public_id)
    dossier = get_object_or_404(Dossier, public_id=payload.dossier, applicant=request.user)
    component = Component.objects.filter(pk=payload.component).first()
    services.document_reuse(
        dossier=dossier, component=component, document=doc, actor=request.user, request=request
    )
    return {"dossier": dossier.public_id, "component": payload.component}


def _share_out(link: ShareLink) -> dict:
    from opendvc.core.links import absolute_url

    return {
        "token": link.token,
        "url": absolute_url("vault:shared", args=[link.token]),
        "expires_at": link.expires_at,
        "active": link.active,
        "revoked_at": link.revoked_at,
        "accesses": link.accesses.count(),
    }


@router.post(
    "/vault/documents/{public_id}/shares",
    response={201: ShareOut, **problems(404, 409, 422)},
    summary="Chia sẻ giấy tờ bằng liên kết có thời hạn",
)
def share_document(request, public_id: UUID, payload: ShareIn):
    require_scope(request, "dossiers:write")
    link = services.share_create(
        document=_mine(request, public_id), actor=request.user, days=payload.days, request=request
    )
    return Status(201, _share_out(link))


@router.get(
    "/vault/documents/{public_id}/shares",
    response=list[ShareOut],
    summary="Các liên kết chia sẻ và lượt xem",
)
def list_shares(request, public_id: UUID):
    require_scope(request, "read")
    return [_share_out(s) for s in _mine(request, public_id).share_links.all()]


@router.delete(
    "/vault/shares/{token}",
    response={204: None, **problems(404)},
    summary="Thu hồi liên kết chia sẻ",
)
def revoke_share(request, token: str):
    require_scope(request, "dossiers:write")
    link = get_object_or_404(ShareLink, token=token, document__owner=request.user)
    services.share_revoke(link=link, actor=request.user, request=request)
    return Status(204, None)
