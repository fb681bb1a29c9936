"""Checks on every file attached to a dossier, before anything is stored.

Allowed by content (never by name): PDF, JPEG, PNG, DOCX, XLSX (Regulation Art. 6: valid electronic
documents). Limits per file and per dossier are settings (default 20 MB / 100 MB). Refused with a
Vietnamese message: empty files, executables or anything else renamed, truncated PDFs, images whose
pixel count would blow up when decoded, OOXML files that are not real Word/Excel packages or that
would expand to an unreasonable size, names with path parts or control characters.
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
    return int(conf.get("DOSSIER_MAX_FILE_BYTES"))


def max_total_bytes() -> int:
    return int(conf.get("DOSSIER_MAX_TOTAL_BYTES"))


def _check_pdf(data: bytes, name: str) -> None:
    tail = data[-2048:]
    if not data.startswith(b"%PDF-") or b"%%EOF" not in tail or b"startxref" not in data[-4096:]:
        raise UploadError(
            "broken_pdf",
            _("Tệp “%(name)s” không phải tệp PDF hoàn chỉnh (có thể bị cắt ngang khi tải lên).") % {"name": name},
            name=name,
        )


def _check_image(data: bytes, name: str, kind: str) -> None:
    import warnings

    from PIL import Image

    limit = int(conf.get("DOSSIER_MAX_IMAGE_PIXELS"))
    too_large = UploadError(
        "image_too_large", _("Ảnh “%(name)s” có số điểm ảnh vượt giới hạn cho phép.") % {"name": name}, name=name
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except Exception as exc:
        raise UploadError(
            "broken_image", _("Ảnh “%(name)s” bị hỏng hoặc không đọc được.") % {"name": name}, name=name
        ) from exc
    try:
        with img:
            width, height = img.size
            if width * height > limit:
                raise UploadError(
                    "image_too_large",
                    _("Ảnh “%(name)s” có kích thước %(w)s × %(h)s điểm ảnh, vượt giới hạn cho phép.")
                    % {"name": name, "w": width, "h": height},
                    name=name,
                )
            if (img.format or "").upper() not in {"JPEG", "PNG"} or img.format.upper() != kind:
                raise UploadError("unsupported_type", _("Ảnh “%(name)s” không đúng định dạng.") % {"name": name},
                                  name=name)
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except UploadError:
        raise
    except Exception as exc:  # Pillow raises many kinds for broken or hostile images
        raise UploadError(
            "broken_image", _("Ảnh “%(name)s” bị hỏng hoặc không đọc được.") % {"name": name}, name=name
        ) from exc


def check_file(*, name: str, content: bytes) -> CheckedFile:
    """Check one file. Returns what to store; raises :class:`UploadError` with a Vietnamese message."""
    clean = sanitise_name(name)
    size = len(content)
    if size == 0:
        raise UploadError("empty_file", _("Tệp “%(name)s” rỗng (0 byte).") % {"name": clean}, name=clean)
    if size > max_file_bytes():
        raise UploadError(
            "file_too_large",
            _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s cho mỗi tệp.") % {"name": clean, "limit": _mb(max_file_bytes())},
            name=clean,
        )
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
        raise UploadError(
            "unsupported_type",
            _("Tệp “%(name)s” không thuộc loại được chấp nhận (%(allowed)s); loại tệp được xác định theo nội dung, "
              "không theo tên.") % {"name": clean, "allowed": ALLOWED_LABEL},
            name=clean,
        )
    return checked(content=content, name=clean, content_type=mime)


def read_limited(uploaded) -> bytes:
    """The bytes of a Django ``UploadedFile``, refusing early one bigger than the per-file limit."""
    limit = max_file_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise UploadError(
            "file_too_large",
            _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s cho mỗi tệp.") % {"name": uploaded.name[:100], "limit": _mb(limit)},
            name=uploaded.name,
        )
    uploaded.seek(0)
    data = uploaded.read(limit + 1)
    return data


def check_total(*, sizes: list[int]) -> None:
    if sum(sizes) > max_total_bytes():
        raise UploadError(
            "dossier_too_large",
            _("Tổng dung lượng các tệp của hồ sơ vượt giới hạn %(limit)s.") % {"limit": _mb(max_total_bytes())},
        )
