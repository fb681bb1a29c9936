"""The report files: xlsx (openpyxl, one sheet per table, values only, totals checked against the
rows) and PDF (WeasyPrint, charts as inline SVG), plus the CSV and SVG of the transparency page."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from html import escape
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from opendvc.worktime import to_local

from .figures import (
    DOSSIER_FIGURES,
    FEEDBACK_FIGURES,
    FIGURES,
    SURVEY_FIGURES,
    late_dossiers,
)

DOSSIER_COLUMNS = [*DOSSIER_FIGURES, "avg_days", "p90_days"]
# The PDF prints the dossier tables in two parts on A4 landscape, each repeating the row's name (one
# table of 28 columns ran off the page from "Trả kết quả qua bưu chính" on): intake and handling
# (Regulation Art. 13.10), then channels, fees, results and processing times (Art. 13.2, 16.1).
DOSSIER_PDF_PARTS = (
    ("tiếp nhận, giải quyết", DOSSIER_COLUMNS[:14]),
    ("hình thức nộp, phí, trả kết quả, thời gian giải quyết", DOSSIER_COLUMNS[14:]),
)
DERIVED_LABELS = {
    "avg_days": "Thời gian TB (ngày làm việc)",
    "p90_days": "Phân vị 90 (ngày làm việc)",
}


class TotalsMismatch(Exception):
    """A table's total row differs from the sum of its rows: the report is not written."""


def check_totals(rows: list[dict[str, Any]], total: dict[str, Any], columns) -> None:
    for name in columns:
        if name in ("avg_days", "p90_days"):
            continue
        summed = sum(int(r.get(name) or 0) for r in rows)
        if summed != int(total.get(name) or 0):
            raise TotalsMismatch(f"{name}: rows {summed} ≠ total {total.get(name)}")


def _label(name: str) -> str:
    return str(FIGURES.get(name, DERIVED_LABELS.get(name, name)))


def _sheet(wb, title: str, first: str, table: dict[str, Any], columns) -> None:
    # Imported on first use: only spreadsheet exports need openpyxl.
    from openpyxl.styles import Font

    check_totals(table["rows"], table["total"], columns)
    ws = wb.create_sheet(title=title[:31])
    ws.append([first, *[_label(c) for c in columns]])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table["rows"]:
        ws.append([row.get("label", ""), *[row.get(c) for c in columns]])
    ws.append(["Tổng cộng", *[table["total"].get(c) for c in columns]])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 45
    ws.freeze_panes = "B2"


def build_xlsx(report) -> bytes:
    # Imported on first use: only spreadsheet exports need openpyxl.
    from openpyxl import Workbook

    f = report.figures
    wb = Workbook()
    info = wb.active
    info.title = "Thông tin"
    for row in _info_rows(report):
        info.append(row)
    info.column_dimensions["A"].width = 30
    info.column_dimensions["B"].width = 70
    ind = wb.create_sheet("Chỉ số")
    ind.append(
        [
            "Mã",
            "Chỉ số",
            "Tử số",
            "Mẫu số",
            "Giá trị (%)",
            "Công thức",
            "Căn cứ",
            "Công thức chính xác",
            "Ghi chú",
        ]
    )
    for i in f["indicators"]:
        ind.append(
            [
                i["code"],
                i["name"],
                i.get("numerator_value"),
                i.get("denominator_value"),
                i.get("value"),
                i.get("formula", ""),
                i.get("basis", ""),
                "có" if i.get("exact") else "chưa chắc chắn",
                i.get("note", ""),
            ]
        )
    _sheet(wb, "Hồ sơ theo cơ quan", "Cơ quan", f["dossiers"], DOSSIER_COLUMNS)
    if "by_field" in f:
        _sheet(wb, "Hồ sơ theo lĩnh vực", "Lĩnh vực", f["by_field"], DOSSIER_COLUMNS)
    if "by_channel" in f:
        _sheet(wb, "Hồ sơ theo hình thức nộp", "Hình thức", f["by_channel"], DOSSIER_COLUMNS)
    _sheet(wb, "Phản ánh theo cơ quan", "Cơ quan", f["feedback"], list(FEEDBACK_FIGURES))
    _sheet(wb, "Phản ánh theo kênh", "Kênh", f["feedback_channels"], list(FEEDBACK_FIGURES))
    _sheet(wb, "Khảo sát hài lòng", "Cơ quan", f["surveys"], list(SURVEY_FIGURES))
    if "linked" in f:
        _linked_sheet(wb, f["linked"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


LINKED_COLUMNS = (
    ("early", "Trước hạn"),
    ("on_time", "Đúng hạn"),
    ("late", "Quá hạn"),
    ("open_late", "Đang giải quyết, đã quá hạn"),
    ("open", "Đang giải quyết"),
    ("refused", "Từ chối"),
    ("cancelled", "Không thực hiện"),
    ("on_time_rate", "Tỷ lệ đúng hạn (%)"),
)


def _linked_sheet(wb, linked: dict[str, Any]) -> None:
    """Linked dossiers (Decree 61/2018/NĐ-CP Art. 4): each member agency against its own allotment,
    then the dossiers overall against their one appointment."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(title="Liên thông")
    ws.append(
        ["Cơ quan (theo thời hạn của riêng cơ quan)", *[label for _k, label in LINKED_COLUMNS]]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in linked.get("agencies", []):
        ws.append([row["agency"], *[row.get(k) for k, _label in LINKED_COLUMNS]])
    overall = linked.get("overall", {})
    ws.append(
        [
            f"Toàn bộ hồ sơ liên thông ({linked.get('dossiers', 0)} hồ sơ, theo ngày hẹn trả)",
            *[overall.get(k) for k, _label in LINKED_COLUMNS],
        ]
    )
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 55


def _info_rows(report) -> list[list[str]]:
    f = report.figures
    return [
        ["Báo cáo", str(report.get_kind_display())],
        ["Cơ quan", report.agency.name if report.agency else "Toàn tỉnh"],
        [
            "Kỳ báo cáo",
            f"{report.period_label}: {report.period_start:%d/%m/%Y} – {report.period_end:%d/%m/%Y}",
        ],
        ["Số liệu tính đến", to_local(_instant(f["period"]["as_of"])).strftime("%H:%M %d/%m/%Y")],
        ["Phiên bản dữ liệu", report.data_version],
        ["Bộ chỉ số", f"{f['indicator_set']['title']} ({f['indicator_set']['version']})"],
        [
            "Người lập",
            (report.generated_by.full_name or str(report.generated_by))
            if report.generated_by
            else "",
        ],
        [
            "Căn cứ",
            "Quy chế (QĐ 31/2020/QĐ-UBND) Điều 9.3–9.5, 10.3, 13.2, 13.10, 16.1; QĐ 766/QĐ-TTg",
        ],
    ]


def _instant(text: str):
    return datetime.fromisoformat(text)


def bar_chart_svg(
    items: list[tuple[str, float | None]], *, title: str, max_value: float = 100.0, unit: str = "%"
) -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per item, readable at 360 px (the text
    sits above each bar, the SVG scales to its container)."""
    row_h, width = 34, 320
    height = row_h * max(len(items), 1) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        y = i * row_h + 4
        shown = "—" if value is None else f"{value:g}{unit}"
        w = 0 if value is None else max(0.0, min(1.0, value / max_value)) * (width - 60)
        parts.append(
            # The label is an agency's name: Vietnamese whatever the page's language.
            f'<text x="0" y="{y + 11}" font-size="11" fill="#1a1a1a" lang="vi">{escape(label[:48])}</text>'
        )
        parts.append(f'<rect x="0" y="{y + 15}" width="{w:.1f}" height="12" fill="#0b5394"></rect>')
        parts.append(
            f'<text x="{w + 4:.1f}" y="{y + 25}" font-size="11" fill="#1a1a1a">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def build_pdf(report) -> bytes:
    # Imported on first use: the PDF engine is the heaviest import (core.warmup).
    from weasyprint import HTML

    f = report.figures
    indicators = list(f["indicators"])
    chart = bar_chart_svg(
        [
            (
                r["label"],
                _rate(r["to_handle"] - late_dossiers(r), r["to_handle"]),
            )
            for r in f["dossiers"]["rows"]
        ][:25],
        title="Tỷ lệ đúng hạn theo cơ quan",
    )
    # The report is a Vietnamese document (numbers 1.234,5) whatever the language of the person or
    # the worker that builds it.
    with translation.override("vi"):
        html = _pdf_html(report, f, indicators, chart)
    return HTML(string=html).write_pdf()


def _pdf_html(report, f, indicators, chart) -> str:
    return render_to_string(
        "reports/pdf.html",
        {
            "report": report,
            "f": f,
            "info": _info_rows(report),
            "indicators": indicators,
            "chart": chart,
            "dossier_parts": [
                {"title": title, "columns": [(c, _unbroken(_label(c))) for c in columns]}
                for title, columns in DOSSIER_PDF_PARTS
            ],
            "feedback_columns": [(c, _label(c)) for c in FEEDBACK_FIGURES],
            "survey_columns": [(c, _label(c)) for c in SURVEY_FIGURES],
        },
    )


def _unbroken(text: str) -> str:
    """``text`` with a range such as "3–4" kept on one line in a narrow column (a word joiner after
    the dash: a line may otherwise break after it and leave the "4" alone)."""
    return text.replace("–", "–\u2060")


def _rate(num, den):
    return round(100 * num / den, 1) if den else None


def transparency_csv(rows: list[dict[str, Any]], *, period_label: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "ky",
            "co_quan",
            "phai_giai_quyet",
            "tre_han",
            "ty_le_dung_han",
            "tiep_nhan_muc_3_4",
            "tiep_nhan_truc_tuyen_muc_3_4",
            "ty_le_truc_tuyen",
            "phieu_khao_sat",
            "hai_long",
            "ty_le_hai_long",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                period_label,
                r["agency"],
                r["to_handle"],
                r["late"],
                r["on_time_rate"],
                r["received_l34"],
                r["received_online_l34"],
                r["online_rate"],
                r["survey_answers"],
                r["satisfied"],
                r["satisfaction_rate"],
            ]
        )
    return out.getvalue()
