import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from opendvc.agencies import demo as agencies_demo
from opendvc.catalog import demo as catalog_demo
from opendvc.catalog.models import FormFile, Procedure
from opendvc.catalog.selectors import catalog_counts
from opendvc.eforms import demo as eforms_demo

from .conftest import sign_in_with_mfa

pytestmark = pytest.mark.usefixtures("catalog")


def text(response):
    return response.content.decode()


def test_home_counts_come_from_the_catalog(client):
    counts = catalog_counts()
    assert counts["procedures"] == 78 and 0 < counts["online"] <= 78
    assert str(counts["procedures"]) in text(client.get("/"))


def test_list_page_search_without_javascript(client):
    r = client.get("/thu-tuc/", {"q": "dang ky khai sinh"})
    assert r.status_code == 200
    html = text(r)
    assert html.count("<h1") == 1
    first = re.search(r'class="procedure-name" href="([^"]+)">([^<]+)<', html)
    assert first.group(1) == "/thu-tuc/1.001193/" and first.group(2) == "Thủ tục đăng ký khai sinh"
    assert 'name="q"' in html and 'value="dang ky khai sinh"' in html
    assert 'hx-get="/thu-tuc/"' in html  # live search enhancement


def test_htmx_request_gets_results_and_updated_filters_only(client):
    r = client.get("/thu-tuc/", {"q": "khai tu"}, HTTP_HX_REQUEST="true")
    html = text(r)
    assert "<html" not in html and "procedure-list" in html
    assert 'hx-swap-oob="true"' in html


def test_filters_show_counts_and_links_keep_them(client):
    r = client.get("/thu-tuc/", {"tier": "xa", "q": "ho tich"})
    html = text(r)
    assert re.search(r'<option value="xa" selected>Cấp xã \(\d+\)</option>', html)
    assert "?q=ho+tich" in html  # removing the tier filter keeps the query
    many = text(client.get("/thu-tuc/", {"tier": "xa"}))
    assert 'href="?tier=xa&amp;page=2"' in many


def test_list_page_names_a_refused_filter_by_its_label_in_the_pages_language(client):
    """The page said "Giá trị 'abc' của bộ lọc “level” không hợp lệ" (the parameter's key, Python's
    quotes), and said it in Vietnamese on the English page, as the too long query."""
    from django.test import Client

    page = text(client.get("/thu-tuc/", {"level": "abc"}))
    assert "Giá trị “abc” của bộ lọc “Mức độ” không hợp lệ." in page and "“level”" not in page
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.cookies["django_language"] = "en"
    page = text(english.get("/thu-tuc/", {"tier": "zzz"}))
    assert "“Implementing tier”" in page and "không hợp lệ" not in page
    page = text(english.get("/thu-tuc/", {"q": "x" * 500}))
    assert "longer than 200 characters" in page and "Từ khóa tìm kiếm" not in page


def test_list_page_bad_input_is_a_vietnamese_error_not_a_crash(client):
    r = client.get("/thu-tuc/", {"level": "9"})
    assert r.status_code == 400 and "không hợp lệ" in text(r)
    r = client.get("/thu-tuc/", {"q": "x" * 5000})
    assert r.status_code == 400 and "200 ký tự" in text(r)
    assert client.get("/thu-tuc/", {"page": "abc"}).status_code == 200
    live = client.get("/thu-tuc/", {"q": "x" * 5000}, HTTP_HX_REQUEST="true")
    assert live.status_code == 200 and "200 ký tự" in text(live)
    assert client.get("/thu-tuc/", {"q": "😀'; --"}).status_code == 200
    # A NUL character is refused on every page, as in the API: a Vietnamese 400.
    nul = client.get("/thu-tuc/", {"q": "\x00😀'; --"})
    assert nul.status_code == 400 and "ký tự NUL" in text(nul)


def test_procedure_page_shows_every_part_in_order(client):
    r = client.get("/thu-tuc/1.001193/")
    html = text(r)
    assert r.status_code == 200 and html.count("<h1") == 1
    order = [
        "thong-tin",
        "trinh-tu",
        "cach-thuc",
        "thanh-phan",
        "dieu-kien",
        "can-cu",
        "bieu-mau",
        "nguon",
    ]
    positions = [html.index(f'<h2 id="h-{section}">') for section in order]
    assert positions == sorted(positions)
    assert "Hồ sơ nhận sau 15:00" in html
    assert 'type="checkbox"' in html  # components as a checklist
    assert "123/2015/NĐ-CP" in html
    assert "chưa xác minh" in html  # the source gave no unit for "1"
    assert "Mức độ do Cổng xác định theo quy tắc" in html
    assert "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/" in html


def test_submit_button_sends_signed_out_users_to_login(client, django_user_model):
    html = text(client.get("/thu-tuc/1.001193/"))
    assert "Nộp hồ sơ trực tuyến" in html
    login = re.search(r'href="([^"]*next=[^"]+)">Nộp hồ sơ trực tuyến', html).group(1)
    assert "nop-truc-tuyen" in login
    assert client.get("/thu-tuc/1.001193/nop-truc-tuyen/").status_code == 302
    user = django_user_model.objects.create_user(email="dan@example.vn", password="pw-Strong-123")
    client.force_login(user)
    r = client.get("/thu-tuc/1.001193/nop-truc-tuyen/")
    assert r.status_code == 302 and r.url == reverse("dossiers:start", kwargs={"code": "1.001193"})


def test_no_submit_button_below_level_three(client):
    low = Procedure.objects.filter(level__lt=3).first()
    html = text(client.get(f"/thu-tuc/{low.code}/"))
    assert "Nộp hồ sơ trực tuyến" not in html


def test_forms_without_files_say_so_and_uploaded_ones_download(client):
    form = (
        FormFile.objects.filter(procedure__status="published").select_related("procedure").first()
    )
    code = form.procedure.code
    html = text(client.get(f"/thu-tuc/{code}/"))
    assert form.name in html and "tệp mẫu chưa có trên Cổng" in html
    r = client.get(f"/thu-tuc/{code}/bieu-mau/{form.pk}/")
    assert r.status_code == 404 and "chưa được tải lên" in text(r)
    form.file.save("to-khai.docx", ContentFile(b"PK mau"), save=True)
    r = client.get(f"/thu-tuc/{code}/bieu-mau/{form.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"PK mau"
    assert f"/thu-tuc/{code}/bieu-mau/{form.pk}/" in text(client.get(f"/thu-tuc/{code}/"))


def test_unknown_or_suspended_procedure_is_404(client):
    assert client.get("/thu-tuc/9.999999/").status_code == 404
    Procedure.objects.filter(code="1.001193").update(status="suspended")
    assert client.get("/thu-tuc/1.001193/").status_code == 404


def test_preview_is_back_office_only(client, staff_user, django_user_model):
    Procedure.objects.filter(code="1.001193").update(status="draft")
    url = "/quan-tri/thu-tuc/1.001193/xem-truoc/"
    assert client.get(url).status_code == 302
    citizen = django_user_model.objects.create_user(email="c@example.vn", password="pw-Strong-123")
    client.force_login(citizen)
    assert client.get(url).status_code == 403

    sign_in_with_mfa(client, staff_user)
    r = client.get(url)
    assert r.status_code == 200 and "Bản xem trước" in text(r)


def test_agency_page_lists_contacts_and_procedures(client):
    r = client.get("/co-quan/000.00.00.H19/")
    html = text(r)
    assert r.status_code == 200 and "Ủy ban nhân dân tỉnh Đồng Nai" in html
    assert 'href="https://www.dongnai.gov.vn"' in html and "tel:1022" in html
    ward = text(client.get("/co-quan/000.21.00.H19/"))
    assert "/thu-tuc/1.001193/" in ward and "Hộ tịch" in ward
    assert client.get("/co-quan/nope/").status_code == 404


@pytest.mark.django_db
def test_procedure_page_links_eform_blank_pdf_and_questions(client):
    agencies_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "/to-khai/1.001193/" in html and "/to-khai/1.001193/mau-trong.pdf" in html
    assert "/hoi-dap/thu-tuc/1.001193/" in html
    assert "thu-tuc=1.001193" in html
    blank = client.get("/to-khai/1.001193/mau-trong.pdf")
    assert blank.status_code == 200 and blank["Content-Type"] == "application/pdf"


def test_source_notes_name_the_fields_they_cite_in_words(client, catalog):
    """Two shipped procedures' notes say where their online class came from, citing the field by its
    key: the page gives the field's label instead."""
    from opendvc.catalog.models import Procedure

    cited = [p for p in Procedure.objects.filter(status="published") if any("online_class" in n for n in p.notes)]
    assert cited
    for procedure in cited:
        page = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
        assert "Phân loại toàn trình / một phần lấy từ tên thủ tục" in page and "online_class" not in page


def test_a_derived_level_gives_its_reason_in_the_pages_language(catalog):
    """The reason of a level the portal derived is stored in Vietnamese and shown in English on the
    English page."""
    from django.test import Client

    from opendvc.catalog.models import Procedure

    procedure = Procedure.objects.filter(status="published", level_source="derived").first()
    assert procedure is not None
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.cookies["django_language"] = "en"
    page = english.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert "Regulation, Art." in page and procedure.level_basis not in page
    assert procedure.level_basis in Client().get(f"/thu-tuc/{procedure.code}/").content.decode()
