"""Amounts the national portal writes "150,000 Việt Nam Đồng" are shown like every other amount,
"150.000 đồng"; decimal commas and numbers that are not amounts in đồng are left as written."""

import pytest

from opendvc.core.money import normalise_vnd_text


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("150,000 Việt Nam Đồng", "150.000 đồng"),
        ("1,000,000 việt nam đồng", "1.000.000 đồng"),
        ("2,000 Việt Nam Đồng(/trang)", "2.000 đồng/trang"),
        ("50,000 Việt Nam Đồng(/giao dịch)", "50.000 đồng/giao dịch"),
        (
            "400,000 Việt Nam Đồng(Lệ phí : 400.000 Đồng (Mức thu: 400.000đ/trường hợp.))",
            "400.000 đồng(Lệ phí : 400.000 đồng (Mức thu: 400.000 đồng/trường hợp.))",
        ),
        ("150,000 VND", "150.000 đồng"),
        ("150,000 VNĐ", "150.000 đồng"),
    ],
)
def test_amounts_in_viet_nam_dong(raw, text):
    assert normalise_vnd_text(raw) == text


@pytest.mark.parametrize(
    "raw",
    [
        "1,5 VNĐ",
        "12,34 đồng",
        "0,5đ",
        "1.000,50 VNĐ",
        "2,5 triệu đồng",
        "10 USD(/bản)",
        "Giảm 50% mức thu lệ phí",
        "Thông tư số 75/2022/TT-BTC ngày 22/12/2022",
        "khoản 1 Điều 24 Luật Căn cước",
        "Việt Nam Đồng",
    ],
)
def test_decimal_commas_and_other_numbers_are_left_as_written(raw):
    assert normalise_vnd_text(raw) == raw
