"""Checks on every file attached to a feedback item or an answer, before anything is stored.

The same rules as dossier files: the kind is decided by the content (``filetype`` sniffing plus a
structural check), never by the name. Accepted: PDF, JPEG, PNG, DOCX, XLSX. Refused with a
Vietnamese message: empty or oversized files, executables and anything else renamed, broken PDFs
and images, decompression bombs, names with path parts or control characters.
"""

from __future__ import annotations

import io

import filetype
from django.utils.translation import gettext as _

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
    checked,
    sanitise_name,
)
from opendvc.core.uploads import check_ooxml as _check_ooxml
from opendvc.core.uploads import mb as _mb

from . import conf


def max_file_bytes() -> int:
    return int(conf.get("FEEDBACK_MAX_FILE_BYTES"))


def max_files() -> int:
    return int(conf.get("FEEDBACK_MAX_FILES"))


def _check_pdf(data: bytes, name: str) -> None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise UploadError("broken_pdf", _("Tệp “%(name)s” không phải tệp PDF hoàn chỉnh.") % {"name": name}, name=name)


def _check_image(data: bytes, name: str, kind: str) -> None:
    from PIL import Image

    limit = int(conf.get("FEEDBACK_MAX_IMAGE_PIXELS"))
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > limit:
                raise UploadError(
                    "image_too_large",
                    _("Ảnh “%(name)s” có kích thước %(w)s × %(h)s điểm ảnh, vượt giới hạn cho phép.")
                    % {"name": name, "w": width, "h": height},
                    name=name,
                )
            if (img.format or "").upper() != kind:
                raise UploadError("unsupported_type", _("Ảnh “%(name)s” không đúng định dạng.") % {"name": name}, name=name)
            img.verify()
    except UploadError:
        raise
    except Exception as exc:  # Pillow raises many kinds for broken or hostile images
        raise UploadError("broken_image", _("Ảnh “%(name)s” bị hỏng hoặc không đọc được.") % {"name": name},
                          name=name) from exc


def check_file(*, name: str, content: bytes) -> CheckedFile:
    """Check one file; returns what to store or raises :class:`UploadError` (Vietnamese message)."""
    clean = sanitise_name(name)
    size = len(content)
    if size == 0:
        raise UploadError("empty_file", _("Tệp “%(name)s” rỗng (0 byte).") % {"name": clean}, name=clean)
    if size > max_file_bytes():
        raise UploadError("file_too_large", _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s cho mỗi tệp.")
                          % {"name": clean, "limit": _mb(max_file_bytes())}, name=clean)
    kind = filetype.guess(content[:8192])
    mime = kind.mime if kind else ""
    if mime == PDF:
        _check_pdf(content, clean)
    elif mime == JPEG:
        _check_image(content, clean, "JPEG")
    elif mime == PNG:
        _check_image(content, clean, "PNG")
    elif mime in {DOCX, XLSX, "application/zip"}:
        mime = _check_ooxml(content, clean)
    else:
        code = "executable" if mime in EXECUTABLE_MIMES or content[:2] == b"MZ" or content[:4] == b"\x7fELF" else "unsupported_type"
        raise UploadError(code, _("Tệp “%(name)s” không thuộc loại được chấp nhận (%(allowed)s); loại tệp được xác "
                                  "định theo nội dung, không theo tên.") % {"name": clean, "allowed": ALLOWED_LABEL},
                          name=clean)
    return checked(content=content, name=clean, content_type=mime)


EXECUTABLE_MIMES = {
    "application/x-msdownload", "application/x-executable", "application/x-elf", "application/x-mach-binary",
    "application/x-sh", "application/x-dosexec",
}


def read_uploaded(uploaded) -> bytes:
    """The bytes of a Django ``UploadedFile``, refusing early one bigger than the per-file limit."""
    limit = max_file_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise UploadError("file_too_large", _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s cho mỗi tệp.")
                          % {"name": uploaded.name[:100], "limit": _mb(limit)}, name=uploaded.name)
    uploaded.seek(0)
    return uploaded.read(limit + 1)


def check_count(n: int) -> None:
    if n > max_files():
        raise UploadError("too_many_files", _("Chỉ được gửi tối đa %(n)s tệp đính kèm.") % {"n": max_files()})
