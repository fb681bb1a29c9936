"""The one check of every file uploaded to the portal (dossier files, results, feedback attachments),
before anything is stored (Regulation Art. 6: valid electronic documents).

The kind of a file is decided by its content, never by its name; a file of an allowed kind named for
another (a scan saved as ``a.jpg`` that is a PDF) is taken and kept as ``a.pdf``, not refused: the
person did nothing wrong but name it, and ``CheckedFile.renamed_note`` tells them. Allowed: PDF, JPEG, PNG, DOCX, XLSX.
Refused with a Vietnamese message: empty or oversized files, executables and anything else renamed,
truncated PDFs, broken images and images whose pixel count would blow up when decoded, OOXML files
that are not real Word/Excel packages or that would expand to an unreasonable size, active content and
polyglots, names with path parts or control characters, and (when clamd is configured) infected files.
Each app gives only its limits (``Limits``: bytes per file, pixels per image).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import time
import unicodedata
import uuid
import warnings
import zipfile
import zlib
from dataclasses import dataclass

import filetype
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from .antivirus import ScanUnavailable, scan
from .files import object_missing, storage_errors, storage_unavailable_message
from .problems import ProblemError

logger = logging.getLogger(__name__)

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx", XLSX: "xlsx"}
ALLOWED_LABEL = "PDF, JPEG, PNG, DOCX, XLSX"
# What a person calls each type, in a message.
TYPE_LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "Word (DOCX)", XLSX: "Excel (XLSX)"}
# An OOXML package expanding beyond this ratio of its size (or 200 MB) is treated as a zip bomb.
MAX_ZIP_RATIO = 100
MAX_ZIP_EXPANDED = 200 * 1024 * 1024

# Path separators and ".." are refused outright; control characters (C0, C1, DEL) and the invisible
# formatting characters (bidi overrides such as U+202E, zero-width marks, BOM: Unicode category Cf)
# are removed, so "invoice\u202efdp.exe" cannot pass for "invoiceexe.pdf" in a list of files.
_PATH_PARTS = re.compile(r"[/\\]")
_UNSAFE_CHARS = re.compile(r'[<>:"|?*]')
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")
# The extensions a sniffed type may keep as the user wrote them.
EXTENSIONS = {
    PDF: {"pdf"},
    JPEG: {"jpg", "jpeg", "jpe"},
    PNG: {"png"},
    DOCX: {"docx"},
    XLSX: {"xlsx"},
}


class UploadError(ValueError):
    def __init__(self, code: str, message: str, *, name: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.name = name


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the check. ``name`` is the name kept (ending with the extension of the type
    found in the content); ``sent_name`` the name it came with, cleaned, when that differed."""

    name: str
    content_type: str
    size: int
    sha256: str
    content: bytes
    sent_name: str = ""

    @property
    def renamed(self) -> bool:
        return bool(self.sent_name) and self.sent_name != self.name

    def renamed_note(self) -> str:
        """For the page that took the file: that a file named for another type (a scan saved as
        ``a.jpg`` holding a PDF) was kept under its real type's extension, and under which name;
        empty when the name was kept as sent."""
        if not self.renamed:
            return ""
        return _("Tệp “%(sent)s” là tệp %(type)s nên được lưu với tên “%(name)s”.") % {
            "sent": self.sent_name,
            "type": TYPE_LABELS.get(self.content_type, self.content_type),
            "name": self.name,
        }


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _strip_invisible(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf"})


def sanitise_name(name: str) -> str:
    """The name to keep: NFC, control and bidi/format characters removed, path parts refused, unsafe
    characters replaced, at most 200 characters with the extension kept."""
    raw = name or ""
    if _PATH_PARTS.search(raw) or ".." in _strip_invisible(raw):
        raise UploadError(
            "unsafe_name",
            _("Tên tệp “%(name)s” chứa đường dẫn; hãy đổi tên tệp rồi gửi lại.")
            % {"name": raw.encode("unicode_escape").decode()[:80]},
            name=raw,
        )
    clean = _strip_invisible(unicodedata.normalize("NFC", raw)).strip().strip(".")
    clean = _UNSAFE_CHARS.sub("_", clean)
    clean = re.sub(r"\s+", " ", clean)
    if not clean:
        raise UploadError("unsafe_name", _("Tệp không có tên hợp lệ."), name=raw)
    if len(clean) > 200:
        stem, dot, ext = clean.rpartition(".")
        clean = (stem[:190] + "." + ext[:9]) if dot and len(ext) < 10 else clean[:200]
    return clean


def name_for_type(name: str, content_type: str) -> str:
    """The kept name ends with an extension of the type sniffed from the content: ``x.pdf.exe`` holding
    a PDF is kept as ``x.pdf``, ``photo.exe`` holding a PNG as ``photo.png``."""
    allowed = EXTENSIONS.get(content_type)
    if not allowed:
        return name
    match = _EXTENSION.search(name)
    if match and match.group(1).lower() in allowed:
        return name
    stem = name[: match.start()] if match else name
    inner = _EXTENSION.search(stem)
    if inner and inner.group(1).lower() in allowed:
        return stem
    return f"{stem or 'tep'}.{ALLOWED[content_type]}"


MAX_ZIP_ENTRIES = 5_000
_CHUNK = 64 * 1024


def _bomb(name: str) -> UploadError:
    return UploadError(
        "archive_too_large",
        _("Tệp “%(name)s” giải nén ra quá lớn; không được chấp nhận.") % {"name": name},
        name=name,
    )


def _expanded_size(data: bytes, info: zipfile.ZipInfo, budget: int, name: str) -> int:
    """Decompress one member from its bytes, counting what actually comes out (the sizes written in
    the headers can be falsified); stops as soon as the budget is spent."""
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("local header")
    start = (
        info.header_offset
        + 30
        + int.from_bytes(header[26:28], "little")
        + int.from_bytes(header[28:30], "little")
    )
    raw = data[start : start + info.compress_size]
    if info.flag_bits & 0x1:
        raise zipfile.BadZipFile("encrypted member")
    if info.compress_type == zipfile.ZIP_STORED:
        produced = len(raw)
        if produced > budget:
            raise _bomb(name)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        produced = 0
        pending = raw
        while pending and not inflater.eof:
            out = inflater.decompress(pending, _CHUNK)
            produced += len(out)
            if produced > budget:
                raise _bomb(name)
            pending = inflater.unconsumed_tail
            if not out and not pending:
                break
        produced += len(inflater.flush())
    else:
        raise zipfile.BadZipFile("compression method")
    if produced != info.file_size:
        raise zipfile.BadZipFile("declared size differs from content")
    return produced


def check_ooxml(data: bytes, name: str) -> str:
    """A real Word or Excel package: every member is inflated and measured (never trusting the sizes
    in its headers) against a total cap and a ratio to the file's own size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise _bomb(name)
            names = {i.filename for i in infos}
            budget = min(MAX_ZIP_EXPANDED, MAX_ZIP_RATIO * max(len(data), 1))
            for info in infos:
                budget -= _expanded_size(data, info, budget, name)
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return XLSX
    except UploadError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError):
        pass
    raise UploadError(
        "unsupported_type",
        _("Tệp “%(name)s” không phải tài liệu Word (DOCX) hoặc Excel (XLSX) hợp lệ.")
        % {"name": name},
        name=name,
    )


# --- active content and polyglots -----------------------------------------------------------------

# PDF names that run code, act on opening, launch programs or carry other files (ISO 32000-1 §12.6,
# §7.11.4): none belongs in a document filed with an agency.
PDF_ACTIVE_NAMES = {
    b"JavaScript",
    b"JS",
    b"OpenAction",
    b"AA",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"RichMedia",
    b"XFA",
    b"SubmitForm",
    b"ImportData",
    b"GoToE",
}
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#_.+\-]{1,64})")
_PDF_STREAM = re.compile(rb"stream\r?\n")
# Budget for inflating a PDF's streams while looking for names hidden in object streams.
MAX_PDF_INFLATE = 50 * 1024 * 1024
# Markup a browser would render if the file were ever served as HTML (a PDF/HTML or image/HTML polyglot).
_HTML_MARKERS = re.compile(
    rb"<(?:html|script|body|iframe|svg|object|embed|!doctype\s+html)[\s>/]", re.IGNORECASE
)


def _pdf_names(chunk: bytes) -> set[bytes]:
    found = set()
    for match in _PDF_NAME.finditer(chunk):
        token = match.group(1)
        if b"#" in token:  # /J#61vaScript is /JavaScript (ISO 32000-1 §7.3.5)
            token = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), token)
        found.add(token)
    return found


def _pdf_parts(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """The PDF split into its plain parts (objects, dictionaries, trailer) and the raw bodies of its
    object streams; other stream bodies (images, fonts, page content) are binary and left out, where
    a random "/JS" would be noise."""
    plain, object_streams = [], []
    pos = 0
    for match in _PDF_STREAM.finditer(data):
        if match.start() < pos:
            continue
        head = data[pos : match.start()]
        plain.append(head)
        end = data.find(b"endstream", match.end())
        end = len(data) if end < 0 else end
        dictionary = head[head.rfind(b"obj") :] if b"obj" in head else head[-512:]
        if b"ObjStm" in b"".join(_pdf_names(dictionary)):
            object_streams.append(data[match.end() : end])
        pos = end
    plain.append(data[pos:])
    return plain, object_streams


def pdf_active_names(data: bytes) -> set[str]:
    """Active-content names in a PDF: in its plain parts and inside its (compressed) object streams,
    where PDF 1.5+ writers keep dictionaries."""
    plain, object_streams = _pdf_parts(data)
    names: set[bytes] = set()
    for part in plain:
        names |= _pdf_names(part)
    budget = MAX_PDF_INFLATE
    for raw in object_streams:
        if budget <= 0:
            break
        try:
            inflated = zlib.decompressobj().decompress(raw, budget)
        except zlib.error:
            inflated = raw
        budget -= len(inflated)
        names |= _pdf_names(inflated)
    return {n.decode() for n in names & PDF_ACTIVE_NAMES}


def _is_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return bool(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def _trailing_image_data(data: bytes, content_type: str) -> bool:
    if content_type == PNG:
        end = data.rfind(b"IEND")
        return end < 0 or len(data) - (end + 8) > 0
    if content_type == JPEG:
        return not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")
    return False


def check_active_content(data: bytes, name: str, content_type: str) -> None:
    """Refuse what could run or be read as another type: PDF scripts, actions, launches and embedded
    files; HTML hidden in a PDF or an image; a ZIP archive appended to a PDF or an image; data after
    an image's end marker. Raises :class:`UploadError` with a Vietnamese message."""
    if content_type == PDF:
        active = pdf_active_names(data)
        if active:
            raise UploadError(
                "active_content",
                _(
                    "Tệp “%(name)s” chứa mã lệnh, thao tác tự chạy hoặc tệp nhúng (%(what)s); hãy in hoặc "
                    "xuất lại thành PDF thường rồi gửi lại."
                )
                % {"name": name, "what": ", ".join(sorted(active))},
                name=name,
            )
    if content_type in {PDF, JPEG, PNG} and (
        _HTML_MARKERS.search(data) or _is_zip(data) or _trailing_image_data(data, content_type)
    ):
        raise UploadError(
            "polyglot",
            _(
                "Tệp “%(name)s” chứa thêm dữ liệu của loại tệp khác (HTML, mã lệnh hoặc tệp nén); "
                "không được chấp nhận."
            )
            % {"name": name},
            name=name,
        )


def scan_or_quarantine(*, content: bytes, name: str) -> None:
    """Nothing when no clamd is configured or the file is clean; otherwise :class:`UploadError`
    (``infected`` after quarantining the file, ``scan_unavailable`` when clamd gives no verdict)."""
    try:
        signature = scan(content=content, name=name)
    except ScanUnavailable as exc:
        logger.error("Upload not scanned: %s", exc)
        raise UploadError(
            "scan_unavailable",
            _("Chưa kiểm tra virus được cho tệp “%(name)s”; vui lòng thử lại sau ít phút.")
            % {"name": name},
            name=name,
        ) from exc
    if signature is not None:
        raise UploadError(
            "infected",
            _(
                "Tệp “%(name)s” có mã độc (%(signature)s) nên đã bị cách ly, không được lưu vào hồ sơ."
            )
            % {"name": name, "signature": signature},
            name=name,
        )


def checked(*, content: bytes, name: str, content_type: str) -> CheckedFile:
    """The last steps shared by every upload, once its type is known from the content: active content
    and polyglots refused, the extension made to match the type, the antivirus scan (when configured),
    then the record to store."""
    check_active_content(content, name, content_type)
    kept = name_for_type(name, content_type)
    scan_or_quarantine(content=content, name=kept)
    return CheckedFile(
        name=kept,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        sent_name=name if kept != name else "",
    )


@dataclass(frozen=True)
class Limits:
    """What an app allows: bytes per file, pixels per image."""

    file_bytes: int
    image_pixels: int


EXECUTABLE_MIMES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-sh",
    "application/x-dosexec",
}


def _check_pdf(data: bytes, name: str) -> None:
    tail = data[-2048:]
    if not data.startswith(b"%PDF-") or b"%%EOF" not in tail or b"startxref" not in data[-4096:]:
        raise UploadError(
            "broken_pdf",
            _("Tệp “%(name)s” không phải tệp PDF hoàn chỉnh (có thể bị cắt ngang khi tải lên).")
            % {"name": name},
            name=name,
        )


def _check_image(data: bytes, name: str, kind: str, *, max_pixels: int) -> None:
    # Imported on first use: only image uploads need Pillow.
    from PIL import Image

    too_large = UploadError(
        "image_too_large",
        _("Ảnh “%(name)s” có số điểm ảnh vượt giới hạn cho phép.") % {"name": name},
        name=name,
    )
    broken = UploadError(
        "broken_image", _("Ảnh “%(name)s” bị hỏng hoặc không đọc được.") % {"name": name}, name=name
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for broken or hostile images
        raise broken from exc
    try:
        with img:
            width, height = img.size
            if width * height > max_pixels:
                raise UploadError(
                    "image_too_large",
                    _(
                        "Ảnh “%(name)s” có kích thước %(w)s × %(h)s điểm ảnh, vượt giới hạn cho phép."
                    )
                    % {"name": name, "w": width, "h": height},
                    name=name,
                )
            if (img.format or "").upper() != kind:
                raise UploadError(
                    "unsupported_type",
                    _("Ảnh “%(name)s” không đúng định dạng.") % {"name": name},
                    name=name,
                )
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except UploadError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for broken or hostile images
        raise broken from exc


def _too_large(name: str, limit: int) -> UploadError:
    return UploadError(
        "file_too_large",
        _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s cho mỗi tệp.")
        % {"name": name, "limit": mb(limit)},
        name=name,
    )


def check_file(*, name: str, content: bytes, limits: Limits) -> CheckedFile:
    """Check one file. Returns what to store; raises :class:`UploadError` with a Vietnamese message."""
    clean = sanitise_name(name)
    if not content:
        raise UploadError(
            "empty_file", _("Tệp “%(name)s” rỗng (0 byte).") % {"name": clean}, name=clean
        )
    if len(content) > limits.file_bytes:
        raise _too_large(clean, limits.file_bytes)
    kind = filetype.guess(content[:8192])
    mime = kind.mime if kind else ""
    if mime == PDF:
        _check_pdf(content, clean)
    elif mime == JPEG:
        _check_image(content, clean, "JPEG", max_pixels=limits.image_pixels)
    elif mime == PNG:
        _check_image(content, clean, "PNG", max_pixels=limits.image_pixels)
    elif mime in {DOCX, XLSX, "application/zip"}:
        mime = check_ooxml(content, clean)
    else:
        executable = mime in EXECUTABLE_MIMES or content[:2] == b"MZ" or content[:4] == b"\x7fELF"
        raise UploadError(
            "executable" if executable else "unsupported_type",
            _(
                "Tệp “%(name)s” không thuộc loại được chấp nhận (%(allowed)s); loại tệp được xác định theo nội dung, "
                "không theo tên."
            )
            % {"name": clean, "allowed": ALLOWED_LABEL},
            name=clean,
        )
    return checked(content=content, name=clean, content_type=mime)


def upload_problem(exc: UploadError, **kwargs) -> ProblemError:
    """The API's answer to a refused file: 413 ``payload_too_large`` when it is too large, 503 when the
    antivirus gave no verdict, otherwise 422 with the check's own code."""
    status = {"file_too_large": 413, "scan_unavailable": 503}.get(exc.code, 422)
    return ProblemError(
        "payload_too_large" if status == 413 else exc.code, exc.message, status=status, **kwargs
    )


def read_limited(uploaded, *, limits: Limits) -> bytes:
    """The bytes of a Django ``UploadedFile``, refusing early one bigger than the per-file limit."""
    if uploaded.size is not None and uploaded.size > limits.file_bytes:
        raise _too_large(uploaded.name[:100], limits.file_bytes)
    uploaded.seek(0)
    return uploaded.read(limits.file_bytes + 1)


# --- files uploaded ahead of the request that uses them -------------------------------------------

PENDING_DIR = "uploads/pending"
PENDING_MAX_AGE_SECONDS = 24 * 3600
_PENDING_SALT = "opendvc.core.uploads.pending"


def _pending_path(key: str) -> str:
    return f"{PENDING_DIR}/{key}"


def pending_upload_store(*, checked_file: CheckedFile, purpose: str) -> str:
    """Keep a checked file until the request that uses it (for files too large to travel as base64
    inside a JSON body); returns a signed reference naming the file, valid for a day, for ``purpose``."""
    key = uuid.uuid4().hex
    default_storage.save(_pending_path(key), ContentFile(checked_file.content))
    return signing.dumps(
        {
            "k": key,
            "n": checked_file.name,
            "t": checked_file.content_type,
            "h": checked_file.sha256,
            "p": purpose,
        },
        salt=_PENDING_SALT,
        compress=True,
    )


def _unknown_upload() -> UploadError:
    return UploadError(
        "unknown_upload",
        _("Mã tệp đã tải lên không đúng hoặc đã quá 24 giờ; hãy tải tệp lên lại."),
    )


def pending_upload_take(*, reference: str, purpose: str) -> tuple[CheckedFile, str]:
    """The file behind a reference from :func:`pending_upload_store` (checked again against its hash),
    with the storage key to pass to :func:`pending_upload_discard` once it is saved elsewhere."""
    try:
        data = signing.loads(reference, salt=_PENDING_SALT, max_age=PENDING_MAX_AGE_SECONDS)
    except signing.BadSignature as exc:
        raise _unknown_upload() from exc
    if (
        not isinstance(data, dict)
        or data.get("p") != purpose
        or not re.fullmatch(r"[0-9a-f]{32}", data.get("k", ""))
    ):
        raise _unknown_upload()
    path = _pending_path(data["k"])
    try:
        with default_storage.open(path, "rb") as fh:
            content = fh.read()
    except storage_errors() as exc:
        if object_missing(exc):
            raise _unknown_upload() from exc
        # The file is kept for the day its reference is valid: the sender tries again later.
        logger.warning("upload sent ahead not readable: %s", path, exc_info=True)
        raise ProblemError("storage_unavailable", storage_unavailable_message(), status=503) from exc
    if hashlib.sha256(content).hexdigest() != data["h"]:
        raise _unknown_upload()
    return CheckedFile(
        name=data["n"], content_type=data["t"], size=len(content), sha256=data["h"], content=content
    ), data["k"]


def pending_upload_discard(key: str) -> None:
    default_storage.delete(_pending_path(key))


def pending_uploads_remove_stale() -> int:
    """Remove files uploaded ahead but never used within the day their reference is valid."""
    try:
        _dirs, files = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    cutoff = time.time() - PENDING_MAX_AGE_SECONDS
    for name in files:
        path = _pending_path(name)
        if default_storage.get_modified_time(path).timestamp() < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed
