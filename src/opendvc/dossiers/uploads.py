"""The limits of dossier files (settings, default 20 MB per file and 100 MB per dossier); the check
itself is the portal's one upload check, ``opendvc.core.uploads.check_file``."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from opendvc.core import uploads
from opendvc.core.uploads import (  # noqa: F401 - re-exported for the app's callers
    ALLOWED,
    ALLOWED_LABEL,
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLSX,
    CheckedFile,
    UploadError,
    sanitise_name,
)


def max_file_bytes() -> int:
    return settings.DOSSIER_MAX_FILE_BYTES


def max_total_bytes() -> int:
    return settings.DOSSIER_MAX_TOTAL_BYTES


def limits() -> uploads.Limits:
    return uploads.Limits(file_bytes=max_file_bytes(), image_pixels=settings.DOSSIER_MAX_IMAGE_PIXELS)


def check_file(*, name: str, content: bytes) -> CheckedFile:
    return uploads.check_file(name=name, content=content, limits=limits())


def read_limited(uploaded) -> bytes:
    return uploads.read_limited(uploaded, limits=limits())


def check_total(*, sizes: list[int]) -> None:
    if sum(sizes) > max_total_bytes():
        raise UploadError(
            "dossier_too_large",
            _("Tổng dung lượng các tệp của hồ sơ vượt giới hạn %(limit)s.") % {"limit": uploads.mb(max_total_bytes())},
        )
