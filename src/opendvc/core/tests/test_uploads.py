"""Hostile uploads, built here byte by byte: PDFs that run code or carry files, polyglots, a zip bomb
lying about its sizes, deceptive names, and an antivirus verdict from a clamd speaking its protocol.
Both upload paths (dossier files and feedback attachments) must refuse them."""

from __future__ import annotations

import io
import socket
import struct
import tempfile
import threading
import zipfile
import zlib
from pathlib import Path

import pytest

from opendvc.core.uploads import UploadError, pdf_active_names
from opendvc.dossiers import uploads as dossier_uploads
from opendvc.feedback import uploads as feedback_uploads

CHECKERS = {"dossier": dossier_uploads.check_file, "feedback": feedback_uploads.check_file}


@pytest.fixture(params=list(CHECKERS))
def check_file(request):
    return CHECKERS[request.param]


# --- building files ------------------------------------------------------------------------------


def make_pdf(*objects: bytes, catalog_extra: bytes = b"", header_extra: bytes = b"") -> bytes:
    """A small well-formed PDF: catalog, pages, one page, then ``objects`` numbered from 4."""
    body = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        *objects,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + header_extra)
    offsets = []
    for number, obj in enumerate(body, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(body) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(body) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def flate_stream(content: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(content)
    return (
        b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(packed), extra)
        + packed
        + b"\nendstream"
    )


def png(size=(16, 16), **info) -> bytes:
    from PIL import Image, PngImagePlugin

    meta = PngImagePlugin.PngInfo()
    for key, value in info.items():
        meta.add_text(key, value)
    buf = io.BytesIO()
    Image.new("RGB", size, (20, 120, 40)).save(buf, format="PNG", pnginfo=meta)
    return buf.getvalue()


def jpeg(comment: bytes = b"") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, format="JPEG", comment=comment)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body/></w:document>',
            **(extra or {}),
        }
    )


def falsify_sizes(data: bytes, member: str, declared: int) -> bytes:
    """Write ``declared`` as the uncompressed size of ``member`` in its local and central headers."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
    struct.pack_into("<I", out, info.header_offset + 22, declared)
    central = out.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", out, central + 28)[0]
        if out[central + 46 : central + 46 + name_len] == member.encode():
            struct.pack_into("<I", out, central + 24, declared)
            break
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


# --- clean files still pass ----------------------------------------------------------------------


def test_clean_files_of_every_allowed_type_are_accepted(check_file):
    from opendvc.dossiers.tests.conftest import small_pdf

    cases = {
        "don.pdf": (small_pdf(), "application/pdf"),
        "tay-lam.pdf": (
            make_pdf(b"<< /Title (Don khieu nai) /Author (Le Van Tu) >>"),
            "application/pdf",
        ),
        "anh.png": (png(Comment="máy ảnh"), "image/png"),
        "anh.jpg": (jpeg(b"CREATOR: camera"), "image/jpeg"),
        "don.docx": (
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    }
    for name, (content, mime) in cases.items():
        result = check_file(name=name, content=content)
        assert (result.name, result.content_type) == (name, mime)


# --- PDFs with active content --------------------------------------------------------------------

JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
HOSTILE_PDFS = {
    "open action javascript": make_pdf(JS_ACTION, catalog_extra=b"/OpenAction 4 0 R "),
    "additional actions": make_pdf(
        b"<< /S /JavaScript /JS (1) >>", catalog_extra=b"/AA << /O 4 0 R >> "
    ),
    "launch": make_pdf(
        b"<< /Type /Action /S /Launch /F (cmd.exe) >>", catalog_extra=b"/OpenAction 4 0 R "
    ),
    "embedded file": make_pdf(
        b"<< /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>",
        b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
        catalog_extra=b"/Names 4 0 R ",
    ),
    "name written with hex escapes": make_pdf(
        b"<< /S /J#61vaScript /J#53 (1) >>", catalog_extra=b"/Op#65nAction 4 0 R "
    ),
    "javascript inside a compressed object stream": make_pdf(
        flate_stream(
            b"5 0 << /S /JavaScript /JS (app.launchURL\\('x'\\)) >>",
            b"/Type /ObjStm /N 1 /First 4 ",
        ),
    ),
    "xfa form": make_pdf(b"<< /Fields [] /XFA 5 0 R >>", catalog_extra=b"/AcroForm 4 0 R "),
}


@pytest.mark.parametrize("case", HOSTILE_PDFS, ids=list(HOSTILE_PDFS))
def test_pdf_with_active_content_is_refused(check_file, case):
    with pytest.raises(UploadError) as err:
        check_file(name="don.pdf", content=HOSTILE_PDFS[case])
    assert err.value.code == "active_content"
    assert "PDF thường" in err.value.message


def test_active_names_found_are_reported():
    assert pdf_active_names(HOSTILE_PDFS["open action javascript"]) == {
        "OpenAction",
        "JavaScript",
        "JS",
    }
    assert pdf_active_names(make_pdf()) == set()


# --- polyglots -----------------------------------------------------------------------------------

HTML = b"<html><body><script>fetch('/api/v1/me')</script></body></html>"
POLYGLOTS = {
    "pdf with html in a comment": ("a.pdf", make_pdf(header_extra=b"%" + HTML + b"\n")),
    "pdf with html doctype": ("b.pdf", make_pdf(header_extra=b"%<!DOCTYPE html>\n")),
    "pdf with a zip appended": ("c.pdf", make_pdf() + zip_bytes({"x.html": HTML})),
    "png with html appended": ("d.png", png() + HTML),
    "png with html in a text chunk": ("e.png", png(Comment=HTML.decode())),
    "png with svg in a text chunk": ("f.png", png(Comment="<svg onload=alert(1)>")),
    "jpeg with script comment and zip": (
        "g.jpg",
        jpeg(b"<script>alert(1)</script>") + zip_bytes({"a.js": b"x"}),
    ),
    "jpeg with zip appended": ("h.jpg", jpeg() + zip_bytes({"payload.exe": b"MZ" * 100})),
    "jpeg with data after its end": ("i.jpg", jpeg() + b"alert(document.cookie)//"),
}


@pytest.mark.parametrize("case", POLYGLOTS, ids=list(POLYGLOTS))
def test_polyglots_are_refused(check_file, case):
    name, content = POLYGLOTS[case]
    with pytest.raises(UploadError) as err:
        check_file(name=name, content=content)
    assert err.value.code == "polyglot"
    assert "loại tệp khác" in err.value.message


# --- zip bombs -----------------------------------------------------------------------------------


def test_zip_bomb_with_falsified_sizes_is_measured_while_inflating(check_file):
    honest = docx({"word/media/big.bin": b"\0" * (30 * 1024 * 1024)})
    lying = falsify_sizes(honest, "word/media/big.bin", 1000)
    with zipfile.ZipFile(io.BytesIO(lying)) as zf:
        declared = sum(i.file_size for i in zf.infolist())
    assert declared < 100 * len(lying)  # the headers alone would let it through
    with pytest.raises(UploadError) as err:
        check_file(name="bom.docx", content=lying)
    assert err.value.code == "archive_too_large"


def test_total_expansion_is_capped_across_many_members(check_file, monkeypatch):
    from opendvc.core import uploads

    monkeypatch.setattr(uploads, "MAX_ZIP_EXPANDED", 2 * 1024 * 1024)
    parts = {
        f"word/media/{i}.bin": bytes(range(256)) * 2048 for i in range(5)
    }  # 5 × 512 KB, compresses well
    with pytest.raises(UploadError) as err:
        check_file(name="nhieu.docx", content=docx(parts))
    assert err.value.code == "archive_too_large"


def test_member_whose_size_differs_from_its_header_is_not_a_valid_package(check_file):
    lying = falsify_sizes(docx({"word/styles.xml": b"<styles/>" * 20}), "word/styles.xml", 7)
    with pytest.raises(UploadError) as err:
        check_file(name="sai.docx", content=lying)
    assert err.value.code == "unsupported_type"


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "content", "kept"),
    [
        ("x.pdf.exe", "pdf", "x.pdf"),
        ("invoice\u202efdp.exe", "pdf", "invoicefdp.pdf"),
        ("invoice\u202egnp.exe", "png", "invoicegnp.png"),
        ("gia\x00y.pdf", "pdf", "giay.pdf"),
        ("a\nb\r\t.pdf", "pdf", "ab.pdf"),
        ("\u200bẢnh\u2066 chụp\u2069.jpg", "jpeg", "Ảnh chụp.jpg"),
        ("photo.exe", "png", "photo.png"),
        ("scan.JPEG", "jpeg", "scan.JPEG"),
        ("bao-cao", "docx", "bao-cao.docx"),
        ("\ufeff\u202e", "pdf", None),
    ],
)
def test_names_lose_control_and_bidi_characters_and_take_the_sniffed_extension(
    check_file, given, content, kept
):
    data = {"pdf": make_pdf(), "png": png(), "jpeg": jpeg(), "docx": docx()}[content]
    if kept is None:
        with pytest.raises(UploadError) as err:
            check_file(name=given, content=data)
        assert err.value.code == "unsafe_name"
        return
    assert check_file(name=given, content=data).name == kept


# --- antivirus -----------------------------------------------------------------------------------


class FakeClamd:
    """A unix-socket server answering clamd's INSTREAM command: FOUND for the EICAR string."""

    def __init__(self, folder: Path) -> None:
        self.path = str(folder / "clamd.sock")
        self.received: list[bytes] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_exact(self, conn, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise ConnectionError("short read")
            data += part
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                assert self._read_exact(conn, 10) == b"zINSTREAM\0"
                content = b""
                while True:
                    (size,) = struct.unpack("!I", self._read_exact(conn, 4))
                    if size == 0:
                        break
                    content += self._read_exact(conn, size)
                self.received.append(content)
                verdict = (
                    b"stream: Eicar-Test-Signature FOUND\0" if EICAR in content else b"stream: OK\0"
                )
                conn.sendall(verdict)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def clamd(settings):
    folder = Path(tempfile.mkdtemp(prefix="clamd-", dir="/tmp"))
    server = FakeClamd(folder)
    settings.CLAMD_SOCKET = server.path
    yield server
    server.close()
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()


def test_clean_file_is_scanned_whole_and_accepted(check_file, clamd):
    content = make_pdf(b"<< /Title (" + b"x" * 200_000 + b") >>")  # several INSTREAM chunks
    assert check_file(name="sach.pdf", content=content).name == "sach.pdf"
    assert clamd.received == [content]


def test_infected_file_is_quarantined_and_refused(check_file, clamd, settings):
    from opendvc.core.antivirus import quarantine_dir

    content = make_pdf(header_extra=b"%" + EICAR + b"\n")
    with pytest.raises(UploadError) as err:
        check_file(name="nhiem.pdf", content=content)
    assert err.value.code == "infected" and "Eicar-Test-Signature" in err.value.message
    kept = list(quarantine_dir().glob("*.bin"))
    assert [p.read_bytes() for p in kept] == [content]
    assert "Eicar-Test-Signature" in kept[0].with_suffix(".json").read_text(encoding="utf-8")
    assert not Path(settings.MEDIA_ROOT).exists() or not any(
        Path(settings.MEDIA_ROOT).rglob("*.bin")
    )


def test_unreachable_clamd_refuses_rather_than_storing_unscanned(check_file, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "khong-co.sock")
    with pytest.raises(UploadError) as err:
        check_file(name="don.pdf", content=make_pdf())
    assert err.value.code == "scan_unavailable"


@pytest.mark.django_db
def test_api_upload_answers_infected_422_and_unavailable_503(clamd, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from opendvc.accounts.models import User
    from opendvc.dossiers.models import Upload

    client = Client()
    client.force_login(User.objects.create_user(email="a@example.vn", password="mat-khau-dai-123"))
    infected = make_pdf(header_extra=b"%" + EICAR + b"\n")
    response = client.post("/api/v1/files", {"file": SimpleUploadedFile("a.pdf", infected)})
    assert response.status_code == 422 and response.json()["code"] == "infected"
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    response = client.post("/api/v1/files", {"file": SimpleUploadedFile("b.pdf", make_pdf())})
    assert response.status_code == 503 and response.json()["code"] == "scan_unavailable"
    assert Upload.objects.count() == 0


def test_binary_stream_bodies_are_not_mistaken_for_active_names(check_file):
    """Image and font streams are random bytes: a "/JS" or "/AA" inside them is noise, not an action."""
    noise = b"\x89/JS\x00/AA /Launch\x01/OpenAction\xff" * 50
    image = (
        b"<< /Type /XObject /Subtype /Image /Length %d >>\nstream\n" % len(noise)
        + noise
        + b"\nendstream"
    )
    assert check_file(name="scan.pdf", content=make_pdf(image)).content_type == "application/pdf"
