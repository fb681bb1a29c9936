"""Serving stored files (dossier attachments, results, receipts, feedback attachments, forms).

Files live in the default storage: the local media folder, or a private S3-compatible bucket when
``STORAGE_URL`` is set. They are never served from a public address: each download goes through an
authorised view that streams the object with this helper. A file whose row exists but whose object
is gone (lost bucket, restore without files) gets a clear page, not a server error; so does a
storage that cannot be read just now (503, try again later). An action that must read or write a
stored file inside its request (the files an officer or a citizen sends with it, a document signed
inside the action) is refused the same way when the storage cannot be reached: ``storage_access``
raises ``StorageUnavailable`` (503), the action's transaction rolls back and nothing is applied."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from opendvc.core.middleware import wants_problem_json
from opendvc.core.problems import ProblemError, problem_response

logger = logging.getLogger(__name__)


@contextmanager
def removed_on_error(stored: list[str]) -> Iterator[list[str]]:
    """Files stored inside the block (their names appended to ``stored``) are deleted again when the
    block raises: the rows naming them were rolled back, so nothing would ever reach them. Put it
    outside the transaction: ``with removed_on_error(stored), transaction.atomic(): ...``."""
    try:
        yield stored
    except BaseException:
        for name in stored:
            stored_delete(name)
        raise


def stored_delete(name: str, storage=None) -> None:
    """Delete the stored object ``name``, never raising: during an outage the object stays, named by
    no row, and ``core.sweep_orphan_files`` removes it later (the caller's own error is the one
    that matters)."""
    try:
        (storage or default_storage).delete(name)
    except storage_errors():
        logger.warning("stored file %s not deleted; left to the orphan sweep", name, exc_info=True)


def storage_errors() -> tuple[type[BaseException], ...]:
    """What the storage raises when an object cannot be read: an OS error of the local folder (a
    missing file among them), and the S3 client's errors (an unreachable endpoint, a refused or failed
    request)."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - the S3 client is a dependency of the portal
        return (OSError,)
    return (OSError, BotoCoreError, ClientError)


def object_missing(exc: BaseException) -> bool:
    """Whether ``exc``, raised reading a stored object, says the object is not there (a missing
    local file; a 404 from an S3-compatible storage) rather than that the storage could not be read
    just now (an outage, refused credentials)."""
    if isinstance(exc, FileNotFoundError):
        return True
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    code = (response.get("Error") or {}).get("Code")
    return status == 404 or code in ("404", "NoSuchKey", "NotFound")


class StorageUnavailable(ProblemError):
    """The storage cannot read or write, just now, a file an action needs inside its request: the
    action is not applied (503, ``storage_unavailable``, try again after ``Retry-After``). The API
    answers it as any problem; a page shows its message with what the person typed."""

    retry_after = 60

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            "storage_unavailable",
            detail
            or _(
                "Kho lưu trữ tệp tạm thời không đọc được; thao tác chưa được thực hiện, vui lòng "
                "thử lại sau."
            ),
            status=503,
        )


@contextmanager
def storage_access() -> Iterator[None]:
    """Reads and writes of stored files inside an action: an error of a storage that cannot be
    reached or used now (an unreadable or full disk, a bucket down) becomes ``StorageUnavailable``;
    an object that is not there (``object_missing``) stays the caller's own error."""
    try:
        yield
    except StorageUnavailable:
        raise
    except storage_errors() as exc:
        if object_missing(exc):
            raise
        logger.warning("storage not usable inside an action", exc_info=True)
        raise StorageUnavailable() from exc


def stored_file_response(
    request: HttpRequest,
    stored,
    *,
    filename: str,
    content_type: str | None = None,
    inline: bool = False,
) -> HttpResponse:
    """Stream ``stored`` (a ``FieldFile``) to the client; 404 with an explanation when the stored
    object is missing (or the row names none), 503 when the storage cannot be read just now.
    Responses are private and never cached by a shared cache."""
    if not stored:
        logger.warning("stored file missing: the row names no file")
        return missing_file_response(request)
    try:
        handle = stored.open("rb")
    except storage_errors() as exc:
        if object_missing(exc):
            logger.warning("stored file missing: %s", stored.name)
            return missing_file_response(request)
        logger.warning("stored file not readable: %s", stored.name, exc_info=True)
        return unavailable_file_response(request)
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def unsent_file_release(response: HttpResponse) -> None:
    """Release the file a response of ``stored_file_response`` opened, when the view answers
    something else instead. Not ``response.close()``: for Django that ends the request
    (``request_finished``), which closes the database connection the rest of the view still uses."""
    stream = getattr(response, "file_to_stream", None)
    if stream is not None:
        stream.close()


def _file_answer(
    request: HttpRequest, *, code: str, status: int, title: str, message: str, retry_after: int | None = None
) -> HttpResponse:
    """A stored file that cannot be given: problem+json ``code`` for an API client, else the error
    page with ``title`` and ``message``; ``Retry-After`` when trying again later may help."""
    if wants_problem_json(request):
        response = problem_response(code, message, status=status, instance=request.path)
    else:
        response = render(
            request, "errors/error.html", {"status": status, "title": title, "message": message}, status=status
        )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def missing_file_response(request: HttpRequest) -> HttpResponse:
    return _file_answer(
        request,
        code="file_missing",
        status=404,
        title=_("Không tìm thấy tệp"),
        message=_(
            "Tệp này không còn trong kho lưu trữ của Cổng. Vui lòng liên hệ đường dây nóng để được "
            "cấp lại; hồ sơ của Ông/Bà không bị ảnh hưởng."
        ),
    )


def storage_unavailable_message() -> str:
    """What a page or an API problem says of a storage that cannot be read just now."""
    return _(
        "Kho lưu trữ tệp của Cổng tạm thời không đọc được. Vui lòng thử lại sau ít phút; hồ sơ của "
        "Ông/Bà không bị ảnh hưởng."
    )


def unavailable_file_response(request: HttpRequest) -> HttpResponse:
    """A stored file the storage cannot give just now (an outage of the bucket or the disk): try
    again later (503 with ``Retry-After``, as ``StorageUnavailable``)."""
    return _file_answer(
        request,
        code="storage_unavailable",
        status=503,
        title=_("Chưa đọc được tệp"),
        message=storage_unavailable_message(),
        retry_after=StorageUnavailable.retry_after,
    )


def pending_file_response(request: HttpRequest) -> HttpResponse:
    """A document whose PDF is still being made (out of the request that issued it): try again in a
    few seconds (503 with ``Retry-After``)."""
    return _file_answer(
        request,
        code="file_pending",
        status=503,
        title=_("Văn bản đang được tạo"),
        message=_(
            "Văn bản này đang được tạo và ký số, thường xong trong vài giây. Vui lòng tải lại trang "
            "sau ít phút; hồ sơ của Ông/Bà không bị ảnh hưởng."
        ),
        retry_after=10,
    )
