"""The documents' cut fonts (``core.pdf_fonts``): every Vietnamese letter, the system font's own
glyph metrics, embedded in a rendered document, and a character they lack still printed."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from opendvc.core.pdf_fonts import FACES, FOLDER, faces_css
from opendvc.core.pdf_fonts import make as fonts_make
from opendvc.dossiers.documents import Signer, render_pdf

SYSTEM = Path("/usr/share/fonts/truetype/dejavu")

VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # huyền, sắc, ngã, hỏi, nặng
# Every letter of the Vietnamese alphabet with every tone, both cases, as typed (precomposed).
LETTERS = {
    unicodedata.normalize("NFC", v + t)
    for v in VOWELS
    for t in TONES
} | set("bcdđghklmnpqrstvx")
LETTERS |= {c.upper() for c in LETTERS}
SIGNS = set("₫№–—…“”‘’•×≤≥☐☑☒✓")


def _cmap(name: str) -> set[int]:
    return set(TTFont(FOLDER / name).getBestCmap())


@pytest.mark.parametrize("face", [f[1] for f in FACES if "Mono" not in f[1]])
def test_every_cut_face_has_every_vietnamese_letter_and_the_forms_signs(face):
    cmap = _cmap(face)
    missing = sorted(c for c in LETTERS | SIGNS if ord(c) not in cmap)
    assert not missing, f"{face} lacks {''.join(missing)}"
    # The combining tone marks of text typed in decomposed form.
    assert all(ord(t) in cmap for t in TONES if t)


@pytest.mark.parametrize("face", [f[1] for f in FACES if "Mono" in f[1]])
def test_the_cut_monospace_faces_have_what_the_lookup_key_prints(face):
    # DejaVu Sans Mono itself lacks some Vietnamese letters (ả, ấ, ...): printed with the
    # proportional face. The lookup key is letters and digits.
    cmap = _cmap(face)
    assert all(ord(c) in cmap for c in "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-đĐ")


@pytest.mark.skipif(not SYSTEM.is_dir(), reason="the system's DejaVu fonts are not installed")
@pytest.mark.parametrize("face", [f[1] for f in FACES])
def test_the_cut_faces_keep_the_system_fonts_glyphs_and_metrics(face):
    cut, full = TTFont(FOLDER / face), TTFont(SYSTEM / fonts_make.SOURCES[face])
    cut_cmap, full_cmap = cut.getBestCmap(), full.getBestCmap()
    wanted = {c for c in fonts_make.codepoints() if c in full_cmap}
    # Every wanted character the system's font has (and those of the glyphs they bring, by the
    # layout tables), nothing it does not have.
    assert wanted <= set(cut_cmap) <= set(full_cmap)
    for char in "Aađệ₫Ư":
        glyph_cut, glyph_full = cut_cmap[ord(char)], full_cmap[ord(char)]
        assert cut["hmtx"][glyph_cut] == full["hmtx"][glyph_full]
        assert (cut["glyf"][glyph_cut].getCoordinates(cut["glyf"])[0]
                == full["glyf"][glyph_full].getCoordinates(full["glyf"])[0])
    # Kerning and the placing of tone marks stay: the layout tables are kept.
    assert {"GPOS", "GSUB"} <= set(cut.keys())
    # The copyright notice stays in the font, the licence beside it (the Bitstream Vera licence asks
    # for both with every copy).
    assert "Bitstream" in cut["name"].getDebugName(0)
    assert "Bitstream Vera" in (FOLDER / "LICENSE").read_text()


@pytest.mark.skipif(not SYSTEM.is_dir(), reason="the system's DejaVu fonts are not installed")
def test_making_the_fonts_again_gives_the_same_characters(tmp_path):
    made = fonts_make.make(SYSTEM, out=tmp_path)
    assert [p.name for p in made] == [f[1] for f in FACES]
    for path in made:
        assert set(TTFont(path).getBestCmap()) == _cmap(path.name)


def test_the_font_faces_point_at_the_files_of_this_folder():
    css = faces_css()
    urls = re.findall(r'url\("([^"]+)"\)', css)
    assert len(urls) == len(FACES)
    for url in urls:
        assert url.startswith("file://") and Path(url.removeprefix("file://")).is_file()


def _fonts_of(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_a_document_embeds_the_cut_faces_and_prints_a_character_they_lack():
    # A result whose text has a Cyrillic and a Greek letter: not in the cut fonts, printed with the
    # full DejaVu Sans beside them.
    context = {
        "dossier": SimpleNamespace(code="000.00.01.H19-261203-0001"),
        "event": SimpleNamespace(data={"result": "Giấy chứng nhận số 12/ĐKKD — ghi chú: Жанна Ωmega"}),
        "applicant_name": "Nguyễn Thị Ánh Tuyết",
        "organisation": None,
        "agency": SimpleNamespace(name="Sở Tư pháp"),
        "superior": "Ủy ban nhân dân tỉnh Đồng Nai",
        "place_date": "Đồng Nai, ngày 03 tháng 12 năm 2026",
        "procedure": SimpleNamespace(name="Cấp phiếu lý lịch tư pháp"),
        "signers": [Signer(("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"), "Trần Văn Bình")],
    }
    pdf = render_pdf("dossiers/pdf/result.html", context)
    fonts = _fonts_of(pdf)
    assert {"DejaVu-Sans-VN", "DejaVu-Sans-VN-Bold", "DejaVu-Sans-VN-Italic"} <= fonts
    assert "DejaVu-Sans-Bold" in fonts  # Жанна Ωmega, in bold in the result's text
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for words in ("Nguyễn Thị Ánh Tuyết", "KẾT QUẢ GIẢI QUYẾT", "Жанна Ωmega", "ĐỒNG NAI"):
        assert words in text.replace("\n", " ")
