"""The catalog page past its last page, and a query or filter it cannot search: what it says."""

import re

import pytest

pytestmark = pytest.mark.usefixtures("catalog")


def text(response) -> str:
    return response.content.decode()


def first_codes(html: str) -> list[str]:
    return re.findall(r'class="procedure-name" href="/thu-tuc/([^/]+)/"', html)


@pytest.mark.parametrize("page", ["5", "99", "100000"])
def test_a_page_past_the_end_shows_the_last_page(client, page):
    last = text(client.get("/thu-tuc/", {"page": "4"}))
    r = client.get("/thu-tuc/", {"page": page})
    html = text(r)
    assert r.status_code == 200
    assert "Tìm thấy 78 thủ tục" in html
    assert "Không có thủ tục nào khớp" not in html
    assert "Trang 4 / 4" in html and "Trang 5 / 4" not in html
    assert f"Không có trang {min(int(page), 10_000)}" in html and "Đây là trang cuối" in html
    assert first_codes(html) == first_codes(last) and first_codes(html)


def test_a_page_past_the_end_with_a_query_shows_its_last_page(client):
    html = text(client.get("/thu-tuc/", {"q": "khai sinh", "page": "3"}))
    assert "Trang 1 / 1" not in html  # one page: no pager at all
    assert first_codes(html)[0] == "1.001193"
    assert "Đây là trang cuối" in html


def test_no_match_without_filters_does_not_advise_removing_filters(client):
    html = text(client.get("/thu-tuc/", {"q": "khong co thu tuc nao nhu the"}))
    if "gần đúng" in html:  # PostgreSQL may offer near matches
        pytest.skip("near matches offered")
    assert "Tìm thấy 0 thủ tục" in html
    assert "bỏ bớt bộ lọc" not in html and "gõ từ khác" in html
    filtered = text(client.get("/thu-tuc/", {"q": "khong co thu tuc nao nhu the", "tier": "xa"}))
    assert "bỏ bớt bộ lọc" in filtered


@pytest.mark.parametrize(
    "params,message",
    [
        ({"q": "a" * 500}, "200 ký tự"),
        ({"level": "abc"}, "không hợp lệ"),
        ({"sector": "xxx"}, "không hợp lệ"),
    ],
)
def test_a_refused_search_shows_the_error_and_no_result_count(client, params, message):
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = text(client.get("/thu-tuc/", params, **headers))
        assert message in html
        assert "Tìm thấy" not in html and not first_codes(html)
        assert 'href="/thu-tuc/">Xem toàn bộ danh mục thủ tục' in html


def test_the_search_box_holds_at_most_200_characters(client):
    html = text(client.get("/thu-tuc/", {"q": "a" * 500}))
    box = re.search(r'<input id="catalog-q"[^>]*>', html).group(0)
    assert 'maxlength="200"' in box and 'value="' + "a" * 200 + '"' in box


def test_the_api_answers_an_empty_page_past_the_end(client):
    body = client.get("/api/v1/procedures", {"page": 99}).json()
    assert body["items"] == [] and body["page"] == 99
    assert body["count"] == 78 and body["num_pages"] == 4
