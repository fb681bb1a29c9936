"""The limits of feedback attachments (settings: bytes per file, files per item, image pixels); the
check itself is the portal's one upload check, ``opendvc.core.uploads.check_file`` (the same rules as
dossier files)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from opendvc.core import uploads
from opendvc.core.uploads import (  # noqa: F401 - re-exported for the app's callers
    ALLOWED,
    ALLOWED_LABEL,
    CheckedFile,
    UploadError,
    sanitise_name,
)


def max_file_bytes() -> int:
    return settings.FEEDBACK_MAX_FILE_BYTES


def max_files() -> int:
    return settings.FEEDBACK_MAX_FILES


def limits() -> uploads.Limits:
    return uploads.Limits(
        file_bytes=max_file_bytes(), image_pixels=settings.FEEDBACK_MAX_IMAGE_PIXELS
    )


def check_file(*, name: str, content: bytes) -> CheckedFile:
    return uploads.check_file(name=name, content=content, limits=limits())


def read_uploaded(uploaded) -> bytes:
    return uploads.read_limited(uploaded, limits=limits())


def check_count(n: int) -> None:
    if n > max_files():
        raise UploadError(
            "too_many_files", _("Chỉ được gửi tối đa %(n)s tệp đính kèm.") % {"n": max_files()}
        )
