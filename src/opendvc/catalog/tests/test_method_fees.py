"""A method's fee line on the procedure page never states an amount that the fee table contradicts:
it refers to the table and quotes the national portal's own text as such."""

import re

import pytest

from opendvc.catalog.models import Procedure

pytestmark = pytest.mark.usefixtures("catalog")

FEE_LINE = re.compile(r"<dt>Phí, lệ phí</dt><dd>(.*?)</dd>", re.S)
QUOTE = "Cổng Dịch vụ công quốc gia ghi:"


def fee_lines(client, code: str) -> list[str]:
    html = client.get(f"/thu-tuc/{code}/").content.decode()
    return FEE_LINE.findall(html)


def headline(line: str) -> str:
    """What the line says before the quoted portal text."""
    return re.sub(r"<[^>]+>", "", line.split(QUOTE)[0]).strip()


@pytest.mark.parametrize("code", ["3.000348", "3.000347", "2.001827", "2.001610", "1.001612"])
def test_with_a_fee_table_the_line_refers_to_it(client, code):
    procedure = Procedure.objects.get(code=code)
    lines = fee_lines(client, code)
    assert len(lines) == procedure.methods.count()
    for line in lines:
        assert headline(line) == "Xem các khoản phí, lệ phí bên dưới."
        assert 'href="#cac-khoan-phi"' in line and QUOTE in line


def test_the_portal_text_is_quoted_readably(client):
    driving = fee_lines(client, "3.000348")
    assert "Miễn phí (Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần" in driving[0]
    assert "Miễn phí(" not in "".join(driving)
    food = "".join(fee_lines(client, "2.001827"))
    assert "700 đồng (" in food and "700 đồng(" not in food
    household = "".join(fee_lines(client, "1.001612"))
    assert "150.000 đồng (" in household
    assert "150,000" not in household and "Việt Nam Đồng" not in household
    copies = "".join(fee_lines(client, "2.000815"))
    assert "2.000 đồng/trang" in copies and "10 USD (/bản)" in copies


def test_without_a_fee_table_the_amount_is_unverified(client):
    # 1.004873: the portal says "Miễn phí(Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh … quyết định"
    for line in fee_lines(client, "1.004873"):
        assert headline(line) == "Mức thu chưa xác minh."
        assert "Miễn phí (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh" in line


def test_the_fee_table_is_the_link_target(client):
    html = client.get("/thu-tuc/3.000348/").content.decode()
    assert '<h3 id="cac-khoan-phi">Các khoản phí, lệ phí</h3>' in html
    assert "135.000 đồng/lần" in html and "115.000 đồng/lần cấp" in html
