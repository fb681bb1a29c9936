"""The signature stamp's time is Vietnam's, written dd/mm/yyyy as on the portal's pages (pyHanko's
own was the server's zone in ISO form, "2026-12-04 09:40:14 +07")."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from pyhanko.pdf_utils.reader import PdfFileReader

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
    # PDF string escapes (``\\072`` for ":") read back as the characters they stand for.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), "".join(found))


def test_the_stamp_tells_vietnams_time_as_dd_mm_yyyy(trust):
    _sim, _ca, paths = trust
    with time_machine.travel("2026-12-04 02:40:14+00:00", tick=False):
        data, _level = services.pdf_sign(pdf=pdf_bytes("Giấy khai sinh"), credential=_credential(paths))
    text = _stamp_text(data)
    assert "Thoi gian: 09:40:14 04/12/2026 (GMT+7)" in text, text[:2000]
