"""The signature stamp speaks Vietnamese: "Ký số", the signer's name, title and agency as written
(diacritics included), and the time in Vietnam's zone written dd/mm/yyyy as on the portal's pages
(pyHanko's own was the server's zone in ISO form, "2026-12-04 09:40:14 +07")."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from opendvc.core.pdf_fonts import FOLDER, STAMP
from opendvc.dossiers.tests.conftest import pdf_bytes
from opendvc.signing import services

from .test_signing import _credential

pytestmark = pytest.mark.django_db


def _stamp_text(data: bytes) -> str:
    reader = PdfFileReader(io.BytesIO(data))
    field = reader.embedded_signatures[0].sig_field
    appearance = field["/AP"]["/N"]
    found = []

    def walk(xobject, depth=0):
        found.append(xobject.data.decode("latin-1"))
        resources = xobject.get("/Resources") or {}
        for inner in (resources.get("/XObject") or {}).values():
            if depth < 4:
                walk(inner.get_object(), depth + 1)

    walk(appearance.get_object())
    # The text is written as glyph ids of the stamp's font (CID = glyph id): read back through the
    # font's own character map.
    by_glyph = {}
    font = TTFont(FOLDER / STAMP)
    order = font.getGlyphOrder()
    for code, name in sorted(font.getBestCmap().items(), reverse=True):
        by_glyph[order.index(name)] = chr(code)

    def glyphs(match):
        hexa = match.group(1)
        return "".join(by_glyph.get(int(hexa[i : i + 4], 16), "?") for i in range(0, len(hexa), 4))

    return re.sub(r"<([0-9a-fA-F]+)>", glyphs, "".join(found)).replace("> <", "")


def test_the_stamp_tells_vietnams_time_as_dd_mm_yyyy(trust):
    _sim, _ca, paths = trust
    # A moment within the test CA's validity (its certificates and revocation list are made when the
    # suite starts, valid from an hour before): ten minutes from now.
    moment = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        data, _level = services.pdf_sign(
            pdf=pdf_bytes("Giấy khai sinh"), credential=_credential(paths)
        )
    text = _stamp_text(data)
    in_vietnam = moment + dt.timedelta(hours=7)  # UTC+7 all year: Vietnam keeps no summer time
    assert f"Thời gian: {in_vietnam:%H:%M:%S %d/%m/%Y} (GMT+7)" in text, text[:2000]


def test_the_stamp_writes_names_with_their_diacritics(trust):
    _sim, _ca, paths = trust
    credential = _credential(paths)
    data, _level = services.pdf_sign(
        pdf=pdf_bytes("Giấy khai sinh"), credential=credential, qr_url="https://dvc.example/x?ma=1"
    )
    text = _stamp_text(data)
    for line in (f"Ký số: {credential.name}", credential.title, credential.organisation):
        assert line and line in text, (line, text[:2000])
    assert "Quét mã QR để xác thực" in text
    assert any(ch in text for ch in "ễắạờđ"), text[:2000]


def test_a_character_the_stamp_font_lacks_is_written_without_its_marks():
    _factory, printable = services._stamp_font()
    # "Ǹ" (U+01F8) and "ℌ" are not in the stamp's font; "Đ" and "ữ" are.
    assert services._stamp_line("Ǹguyễn  Đức\nℌữu 50%", printable) == "Nguyễn Đức Hữu 50%"
    assert services._stamp_line("Trần Thị ❤ Mai", printable) == "Trần Thị Mai"


def test_the_stamp_font_measures_1000_units_to_the_em():
    # The signing library writes the font's advances as the PDF's glyph widths (thousandths of an em):
    # with DejaVu's own 2,048 units the stamp's letters stood twice as far apart.
    font = TTFont(FOLDER / STAMP)
    assert font["head"].unitsPerEm == 1000
    assert not {"GSUB", "GPOS", "kern"} & set(font.keys())
