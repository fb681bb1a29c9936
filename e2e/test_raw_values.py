"""The check the journeys run on pages that show form data: what it flags and what it lets through."""

import pytest

from .journeys import raw_values


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Loại bản sao: copy_kind", "schema key"),
        ("requester_address", "schema key"),
        ("Cam đoan: True", "Python boolean"),
        ("Cha đã biết: False", "Python boolean"),
        ("Ngày sinh 1990-05-17", "ISO date"),
        ("Nộp lúc 2026-12-02T06:38:00+07:00", "ISO timestamp"),
        ("Địa chỉ ('75', '26068')", "Python tuple or list repr"),
        ("Thành viên [{'name': 'An'}]", "Python tuple or list repr"),
        ("dossier.status = received", "attribute assignment"),
    ],
)
def test_raw_values_are_found(text, kind):
    assert kind in {k for k, _match in raw_values(text)}, raw_values(text)


@pytest.mark.parametrize(
    "text",
    [
        "Vốn kinh doanh (đồng) 150.000.000 đồng",
        "Ngày, tháng, năm sinh 17/05/1990",
        "Hồ sơ 000.00.32.H19-261202-0001 — thủ tục 1.001612",
        "Tệp: giay-to-1.pdf (3,5 KB)",
        "Thư điện tử nguoi_0@example.vn",
        "12 Lê Lợi, Phường Trấn Biên, Đồng Nai",
        "Cam đoan: Có · Giới tính: Nữ · 09:00 09/12/2026",
    ],
)
def test_readable_text_passes(text):
    assert raw_values(text) == []
