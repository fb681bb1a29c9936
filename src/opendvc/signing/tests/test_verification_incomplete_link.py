"""A QR link to the public verification page cut short (one of its two codes) is said to be
incomplete, with what to do, rather than silently ignored."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "missing"),
    [
        ({"ma": "000.00.32.H19-261204-0009"}, "thiếu mã xác thực"),
        ({"khoa": "abc123"}, "thiếu mã hồ sơ"),
    ],
)
def test_a_link_with_one_code_only_is_said_to_be_incomplete(client, query, missing):
    page = client.get("/xac-thuc-ket-qua/", query).content.decode()
    assert "Liên kết chưa đầy đủ" in page and missing in page
    assert "Hãy tải lên tệp PDF kết quả" in page
    assert 'name="khoa"' in page and 'name="ma"' in page  # both codes can be typed
    for value in query.values():
        assert f'value="{value}"' in page


def test_the_plain_page_and_a_full_link_say_nothing_of_it(client):
    assert "Liên kết chưa đầy đủ" not in client.get("/xac-thuc-ket-qua/").content.decode()
    page = client.get("/xac-thuc-ket-qua/", {"ma": "X", "khoa": "Y"}).content.decode()
    assert "Liên kết chưa đầy đủ" not in page and "Không hợp lệ" in page
