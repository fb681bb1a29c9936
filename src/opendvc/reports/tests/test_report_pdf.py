"""The report's PDF prints every column of its widest tables (the dossiers by agency, field and
channel: 27 figures and the row's name) inside the page, each figure in its row and column. One table
of 28 columns on A4 landscape ran off the page from "Trả kết quả qua bưu chính" on.

The words and their boxes are read with poppler's ``pdftotext -bbox``; the text with pypdf."""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation

from opendvc.reports.exports import DOSSIER_PDF_PARTS, _label
from opendvc.reports.templatetags.reports_tags import num

from .conftest import JUSTICE

MM = 72 / 25.4
MARGIN = 14 * MM  # the @page margin of reports/pdf.html
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def _pages(pdf: bytes):
    """Each page: its width and the words with their boxes (points, from the top left)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [
        (
            float(w),
            [
                (float(x0), float(y0), float(x1), float(y1), html.unescape(t))
                for x0, y0, x1, y1, t in WORD.findall(body)
            ],
        )
        for w, _h, body in PAGE.findall(out)
    ]


def _cells(words):
    """The words gathered into the blocks a table cell prints: words on one line (gap < 5 pt) make
    a line, lines of one size stacked closely (gap < 3 pt) and overlapping sideways make a cell. Each cell:
    (x0, y0, x1, y1, text)."""
    lines: list[list] = []
    for x0, y0, x1, y1, t in sorted(words, key=lambda w: (round(w[1]), w[0])):
        last = lines[-1] if lines else None
        if last and abs(last[1] - y0) < 1 and 0 <= x0 - last[2] < 5:
            last[2], last[3], last[4] = x1, max(last[3], y1), f"{last[4]} {t}"
        else:
            lines.append([x0, y0, x1, y1, t, y1 - y0])
    cells: list[list] = []
    for line in sorted(lines, key=lambda c: (c[1], c[0])):
        for cell in cells:
            if (
                0 <= line[1] - cell[3] < 3
                and line[0] < cell[2]
                and cell[0] < line[2]
                and abs((line[3] - line[1]) - (cell[5])) < 0.5
            ):
                cell[0], cell[2], cell[3] = min(cell[0], line[0]), max(cell[2], line[2]), line[3]
                cell[4] = f"{cell[4]} {line[4]}"
                break
        else:
            cells.append(list(line))
    return [tuple(c[:5]) for c in cells]


# CI installs poppler-utils (``.ci/run``): there a missing pdftotext fails the test instead of skipping it.
@pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"), reason="poppler-utils is not installed"
)
def test_pdf_prints_every_column_of_the_dossier_tables_inside_the_page(client, counted):
    from pypdf import PdfReader

    from opendvc.dossiers.tests.conftest import staff
    from opendvc.reports.models import Report

    leader = staff("leader", JUSTICE)
    client.force_login(leader)
    client.post(
        reverse("reports:request"),
        {"kind": "agency_half_year", "ky": "2027-H1", "agency": counted["agency"].pk},
    )
    report = Report.objects.get()
    assert report.status == "done", report.error
    pdf = b"".join(
        client.get(reverse("reports:download", args=[report.public_id, "pdf"])).streaming_content
    )
    text = re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    pages = _pages(pdf)

    # No word beyond the page's printable area (the right margin included).
    for width, words in pages:
        outside = [w for w in words if w[2] > width - MARGIN + 0.5 or w[0] < MARGIN - 0.5]
        assert outside == [], outside[:5]

    f = report.figures
    tables = [
        ("Cơ quan", f["dossiers"]),
        ("Lĩnh vực", f["by_field"]),
        ("Hình thức", f["by_channel"]),
    ]
    assert all(t["rows"] for _first, t in tables)
    # The parts of each table in order: its title, then its heading cells, then per row its name
    # and, the rightmost figure on the row's line, the last column's figure.
    titles = [
        f"Phần {n}/{len(DOSSIER_PDF_PARTS)}: {title}"
        for n, (title, _c) in enumerate(DOSSIER_PDF_PARTS, start=1)
    ]
    parts = []
    for page_no, (_width, words) in enumerate(pages):
        cells = _cells(words)
        starts = sorted((c for c in cells if c[4] in titles), key=lambda c: c[1])
        for i, start in enumerate(starts):
            end = starts[i + 1][1] if i + 1 < len(starts) else float("inf")
            parts.append((start[4], [c for c in cells if start[1] < c[1] < end], page_no))
    assert len(parts) == len(tables) * len(DOSSIER_PDF_PARTS)
    with translation.override("vi"):
        for n, (title, cells, _page) in enumerate(parts):
            first, table = tables[n // len(DOSSIER_PDF_PARTS)]
            name, columns = DOSSIER_PDF_PARTS[n % len(DOSSIER_PDF_PARTS)]
            assert title.endswith(name)
            headings = [first, *(_label(c) for c in columns)]
            body_top = min(c[1] for c in cells if c[4] in (table["rows"][0]["label"], "Tổng cộng"))
            heading_cells = sorted(
                (c for c in cells if c[4] in headings and c[3] <= body_top), key=lambda c: c[0]
            )
            assert [c[4] for c in heading_cells] == headings, title
            for row in [*table["rows"], {**table["total"], "label": "Tổng cộng"}]:
                label = next(
                    c for c in cells if c[4] == row["label"] and c[1] > heading_cells[0][3]
                )
                on_line = sorted(
                    (c for c in cells if abs(c[1] - label[1]) < 1 and c is not label),
                    key=lambda c: c[0],
                )
                assert [c[4] for c in on_line] == [num(row.get(c)) for c in columns], row["label"]
                assert on_line[-1][4] in text
    for first, _table in tables:
        for c in (first, *(_label(c) for c in DOSSIER_PDF_PARTS[-1][1])):
            assert c in text or all(w in text for w in c.split()), c
