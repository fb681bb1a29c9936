"""Lists sorted by a Vietnamese name are in Vietnamese alphabetical order (a ă â b c d đ e ê … o ô ơ
… u ư v x y; tone marks only between otherwise equal words), not in the order of code points, which
puts "Đăng ký …" after "Xóa …" and "Cấp Giấy …" before "Cấp bản …"."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendvc.agencies.models import Agency
from opendvc.catalog.models import Field, Procedure, Sector
from opendvc.catalog.schema import check_record
from opendvc.catalog.selectors import Filters, agency_procedures, facets, search_procedures
from opendvc.catalog.services import upsert_procedure
from opendvc.catalog.text import sort_key


def vi_sorted(names):
    return sorted(names, key=sort_key)


def test_the_vietnamese_alphabet():
    letters = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    assert vi_sorted(reversed(letters)) == letters
    assert vi_sorted([w.upper() for w in reversed(letters)]) == [w.upper() for w in letters]


def test_tone_marks_come_after_the_letters():
    # Level, huyền, hỏi, ngã, sắc, nặng; only between words whose letters are the same.
    assert vi_sorted(["mạ", "má", "mã", "mả", "mà", "ma"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert vi_sorted(["mai", "mạch", "mác"]) == ["mác", "mạch", "mai"]  # c before i first
    assert vi_sorted(["Ước", "Uống", "Ủy", "Ơn", "Ông", "Ôn", "Ổ", "Oa"]) == [
        "Oa",
        "Ổ",
        "Ôn",
        "Ông",
        "Ơn",
        "Uống",
        "Ủy",
        "Ước",
    ]


def test_word_by_word_ignoring_case_and_punctuation():
    assert vi_sorted(["Đăng ký đất đai", "Đăng ký, cấp Giấy", "Đăng ký biến động"]) == [
        "Đăng ký biến động",
        "Đăng ký, cấp Giấy",
        "Đăng ký đất đai",
    ]
    assert vi_sorted(["Cấp Giấy chứng nhận", "Cấp bản sao"]) == [
        "Cấp bản sao",
        "Cấp Giấy chứng nhận",
    ]
    assert vi_sorted(["Tách hộ", "Tách", "Tách thửa"]) == ["Tách", "Tách hộ", "Tách thửa"]


@given(st.text(max_size=30))
def test_the_key_is_digits_only(text):
    # Digits are never reordered by a collation: every database sorts the key as Python does.
    key = sort_key(text)
    assert key.isdigit() and key.isascii()


@given(st.lists(st.text(alphabet="aAăâbcdđĐeêghiklmnoôơpqrstuưƯvxyàảãáạ ,.", max_size=8)))
def test_the_order_does_not_depend_on_how_the_text_is_composed(names):
    assert [sort_key(n) for n in names] == [
        sort_key(unicodedata.normalize("NFD", n)) for n in names
    ]


@pytest.mark.usefixtures("catalog")
def test_the_catalog_without_a_query_is_in_vietnamese_order(settings):
    settings.CATALOG_CACHE_SECONDS = 0
    names = [i["name"] for i in search_procedures(q="", filters=Filters(), page_size=100).items]
    assert len(names) == 78 and names == vi_sorted(names)
    # "Cấp…" before "Chấm dứt…" before "Chứng thực…" before "Công nhận…"; "Đăng ký…", "Đổi…" after
    # "Công…" and before "Gia hạn…"; "Tách", "Tạm" before "Thông báo".
    first = {
        prefix: next(n for n, name in enumerate(names) if name.startswith(prefix))
        for prefix in (
            "Cấp",
            "Chấm",
            "Chứng",
            "Công",
            "Đăng ký",
            "Đổi",
            "Gia hạn",
            "Tách",
            "Tạm",
            "Thông",
            "Xóa",
        )
    }
    assert list(first.values()) == sorted(first.values())
    assert names[-1].startswith("Xóa")
    # Page by page, the same order (the database reads the page's rows by id).
    pages = [
        i["name"]
        for page in (1, 2, 3, 4)
        for i in search_procedures(q="", filters=Filters(), page=page, page_size=20).items
    ]
    assert pages == names


@pytest.mark.usefixtures("catalog")
def test_the_database_orders_by_the_same_key():
    rows = list(Procedure.objects.values_list("name", "code"))
    assert rows == sorted(rows, key=lambda r: (sort_key(r[0]), r[1]))
    assert [f.name for f in Field.objects.all()] == vi_sorted(
        Field.objects.values_list("name", flat=True)
    )
    assert all(p.sort_name == sort_key(p.name) for p in Procedure.objects.all())


@pytest.mark.usefixtures("catalog")
def test_filter_lists_are_in_vietnamese_order(settings):
    settings.CATALOG_CACHE_SECONDS = 0
    values = facets(q="", filters=Filters())
    for dim in ("sector", "field", "agency"):
        labels = [v["label"] for v in values[dim]]
        assert labels == vi_sorted(labels), dim
    fields = [v["label"] for v in values["field"]]
    # "Đất đai", "Định danh…" between "Chứng thực" and "Giảm nghèo" (they came after "Thuế").
    assert fields.index("Chứng thực") < fields.index("Đất đai") < fields.index("Giảm nghèo")
    assert fields.index("Định danh và xác thực điện tử") < fields.index("Hộ tịch")
    assert fields[-1] == "Thuế"


@pytest.mark.usefixtures("catalog")
def test_the_api_lists_in_vietnamese_order(client):
    body = client.get("/api/v1/procedures", {"page_size": 100}).json()
    names = [i["name"] for i in body["items"]]
    assert names == vi_sorted(names) and names[0].startswith("Cấp")
    fields = [v["label"] for v in client.get("/api/v1/catalog/facets").json()["field"]]
    assert fields == vi_sorted(fields)


@pytest.mark.usefixtures("catalog")
def test_new_names_with_d_bar_horn_and_circumflex_are_placed_in_order(record, settings):
    settings.CATALOG_CACHE_SECONDS = 0
    names = {
        "1.999001": "Ưu đãi thử nghiệm",
        "1.999002": "Ủy quyền thử nghiệm",
        "1.999003": "Ơn thử nghiệm",
        "1.999004": "Ôn thử nghiệm",
        "1.999005": "Đề nghị thử nghiệm",
        "1.999006": "Dừng thử nghiệm",
        "1.999007": "Ép thử nghiệm",
    }
    fields = {"1.999001": "Ứng dụng", "1.999002": "Ổn định", "1.999003": "Ơn"}
    for code, name in names.items():
        clean = check_record(
            {**record, "national_code": code, "name": name, "field": fields.get(code, "Đo đạc")},
            1,
            known_tiers={"bo", "tinh", "xa"},
            known_agencies=set(),
        )
        assert clean.ok, clean.errors
        upsert_procedure(record=clean.record, actor=None)
    listed = [i["name"] for i in search_procedures(q="", filters=Filters(), page_size=200).items]
    ours = [n for n in listed if n.endswith("thử nghiệm")]
    assert ours == [
        "Dừng thử nghiệm",
        "Đề nghị thử nghiệm",
        "Ép thử nghiệm",
        "Ôn thử nghiệm",
        "Ơn thử nghiệm",
        "Ủy quyền thử nghiệm",
        "Ưu đãi thử nghiệm",
    ]
    assert listed == vi_sorted(listed)
    labels = [v["label"] for v in facets(q="", filters=Filters())["field"]]
    assert labels.index("Đo đạc") < labels.index("Giảm nghèo")
    assert labels.index("Nuôi con nuôi") < labels.index("Ổn định") < labels.index("Ơn")
    assert labels.index("Ơn") < labels.index("Quản lý chất lượng nông lâm sản và thủy sản")
    assert labels[-1] == "Ứng dụng"
    assert Sector.objects.filter(sort_name="").count() == 0


@pytest.mark.usefixtures("catalog")
def test_the_agency_page_lists_fields_and_procedures_in_order(client):
    agency = Agency.objects.get(code="000.21.00.H19")
    rows = list(agency_procedures(agency))
    keys = [(sort_key(p.field.name), sort_key(p.name)) for p in rows]
    assert keys == sorted(keys)
    html = client.get(f"/co-quan/{agency.code}/").content.decode()
    headings = [f.name for f in dict.fromkeys(p.field for p in rows)]
    positions = [html.index(f">{name}</h3>") for name in headings]
    assert positions == sorted(positions) and len(headings) > 2
