"""File checks shared by every upload of the portal (dossier files, feedback attachments).

The kind of a file is decided by its content, never by its name: these are the pieces both upload
paths use — the allow-list, the error type, the kept-name rules and the OOXML package check. Each app
adds its own limits (sizes, counts, image pixels) and its own PDF and image checks.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx", XLSX: "xlsx"}
ALLOWED_LABEL = "PDF, JPEG, PNG, DOCX, XLSX"
# An OOXML package expanding beyond this ratio of its size (or 200 MB) is treated as a zip bomb.
MAX_ZIP_RATIO = 100
MAX_ZIP_EXPANDED = 200 * 1024 * 1024

_FORBIDDEN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\]")
_UNSAFE_CHARS = re.compile(r'[<>:"|?*\u202a-\u202e\u2066-\u2069]')


class UploadError(ValueError):
    def __init__(self, code: str, message: str, *, name: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.name = name


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str
    content: bytes



def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def sanitise_name(name: str) -> str:
    """The name to keep: NFC, no path parts or control characters (refused), unsafe characters
    replaced, at most 200 characters with the extension kept."""
    raw = name or ""
    if _FORBIDDEN_NAME.search(raw) or ".." in raw:
        raise UploadError(
            "unsafe_name",
            _("Tên tệp “%(name)s” chứa đường dẫn hoặc ký tự điều khiển; hãy đổi tên tệp rồi gửi lại.")
            % {"name": raw.encode("unicode_escape").decode()[:80]},
            name=raw,
        )
    clean = unicodedata.normalize("NFC", raw).strip().strip(".")
    clean = _UNSAFE_CHARS.sub("_", clean)
    clean = re.sub(r"\s+", " ", clean)
    if not clean:
        raise UploadError("unsafe_name", _("Tệp không có tên hợp lệ."), name=raw)
    if len(clean) > 200:
        stem, dot, ext = clean.rpartition(".")
        clean = (stem[: 190] + "." + ext[:9]) if dot and len(ext) < 10 else clean[:200]
    return clean



def check_ooxml(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            expanded = sum(i.file_size for i in zf.infolist())
            if expanded > MAX_ZIP_EXPANDED or expanded > MAX_ZIP_RATIO * max(len(data), 1):
                raise UploadError(
                    "archive_too_large",
                    _("Tệp “%(name)s” giải nén ra quá lớn; không được chấp nhận.") % {"name": name},
                    name=name,
                )
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return XLSX
    except UploadError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError):
        pass
    raise UploadError(
        "unsupported_type",
        _("Tệp “%(name)s” không phải tài liệu Word (DOCX) hoặc Excel (XLSX) hợp lệ.") % {"name": name},
        name=name,
    )
