import pytest

from opendvc.catalog.models import Procedure
from opendvc.catalog.services import suspend_procedure

pytestmark = pytest.mark.usefixtures("catalog")


def test_list_finds_birth_registration_without_diacritics(client):
    r = client.get("/api/v1/procedures", {"q": "dang ky khai sinh", "page_size": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] >= 1 and body["page"] == 1 and body["page_size"] == 5
    first = body["items"][0]
    assert first["code"] == "1.001193"
    assert first["name"] == "Thủ tục đăng ký khai sinh"
    assert first["field"] == {"code": "ho-tich", "name": "Hộ tịch"}
    assert first["sector"]["name"] == "Bộ Tư pháp"
    assert first["level"] == 3 and first["level_derived"] is True
    assert first["tiers"] == ["xa"]
    assert len(first["agencies"]) == 6
    assert first["url"] == "/thu-tuc/1.001193/"


def test_filters_combine_and_page(client):
    r = client.get(
        "/api/v1/procedures", {"tier": "tinh", "method": "online", "page_size": 100}
    ).json()
    assert r["count"] > 0
    assert all("tinh" in i["tiers"] and "online" in i["methods"] for i in r["items"])
    r = client.get(
        "/api/v1/procedures", {"field": "ho-tich", "level": "3", "agency": "000.21.00.H19"}
    ).json()
    assert all(i["field"]["code"] == "ho-tich" and i["level"] == 3 for i in r["items"])


@pytest.mark.parametrize(
    "param,value",
    [
        ("sector", "bo-khong-co"),
        ("field", "x"),
        ("tier", "huyen"),
        ("level", "5"),
        ("agency", "999"),
        ("method", "fax"),
    ],
)
def test_unknown_filter_values_list_the_allowed_ones(client, param, value):
    r = client.get("/api/v1/procedures", {param: value})
    assert r.status_code == 400
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert (
        body["code"] == "unknown_filter_value"
        and body["parameter"] == param
        and body["value"] == value
    )
    assert body["allowed"] and value not in body["allowed"]
    if param == "tier":
        assert set(body["allowed"]) == {"bo", "tinh", "xa"}


def test_overlong_query_is_refused_naming_the_limit(client):
    r = client.get("/api/v1/procedures", {"q": "khai sinh " * 1000})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "query_too_long" and body["limit"] == 200 and "200" in body["detail"]


def test_too_many_words_is_refused_naming_the_limit(client):
    r = client.get("/api/v1/procedures", {"q": " ".join(f"w{i}" for i in range(20))})
    assert r.status_code == 400 and r.json()["code"] == "too_many_terms" and r.json()["limit"] == 12


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE catalog_procedure; --",
        ".*(a+)+$",
        "😀🇻🇳",
        "khai\x1bsinh\x07",
        "%_%",
        "\\\\",
        "<script>",
    ],
)
def test_odd_queries_never_error(client, q):
    r = client.get("/api/v1/procedures", {"q": q})
    assert r.status_code == 200


def test_page_size_bounds_are_validated(client):
    assert client.get("/api/v1/procedures", {"page_size": 101}).status_code == 422
    assert client.get("/api/v1/procedures", {"page": 0}).status_code == 422


def test_etag_and_cache_control(client):
    r = client.get("/api/v1/procedures", {"q": "ket hon"})
    assert r["Cache-Control"].startswith("public")
    etag = r["ETag"]
    again = client.get("/api/v1/procedures", {"q": "ket hon"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/v1/procedures", {"q": "khai tu"}, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200 and other["ETag"] != etag


def test_cached_results_follow_changes(client):
    assert (
        client.get("/api/v1/procedures", {"q": "1.001193"}).json()["items"][0]["code"] == "1.001193"
    )
    suspend_procedure(procedure=Procedure.objects.get(code="1.001193"), actor=None, reason="thử")
    codes = [i["code"] for i in client.get("/api/v1/procedures", {"q": "1.001193"}).json()["items"]]
    assert "1.001193" not in codes
    assert client.get("/api/v1/procedures/1.001193").status_code == 404


def test_detail_has_every_part(client):
    r = client.get("/api/v1/procedures/1.001193")
    assert r.status_code == 200 and r["ETag"]
    p = r.json()
    assert p["code"] == "1.001193" and p["name"] == "Thủ tục đăng ký khai sinh"
    for key in (
        "methods",
        "fee_items",
        "components",
        "steps",
        "legal_basis",
        "applicants",
        "result",
        "source_url",
        "unverified_fields",
        "forms",
        "version",
        "agencies",
        "level_basis",
    ):
        assert key in p
    online = next(m for m in p["methods"] if m["method"] == "online")
    assert (
        online["cutoff"] == "15:00" and online["time_amount"] == 1 and online["time_unit"] is None
    )
    assert p["version"]["number"] == 1 and p["version"]["published_at"].startswith("20")
    assert "level" in p["unverified_fields"]


def test_detail_unknown_code_is_a_problem(client):
    r = client.get("/api/v1/procedures/9.999999")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_facets_count_each_value(client):
    r = client.get("/api/v1/catalog/facets")
    assert r.status_code == 200 and r["ETag"]
    facets = r.json()
    assert sum(v["count"] for v in facets["sector"]) == 78
    assert sum(v["count"] for v in facets["field"]) == 78
    assert len(facets["field"]) >= 8
    assert {v["value"] for v in facets["tier"]} >= {"tinh", "xa"}
    assert {v["value"] for v in facets["method"]} == {"online", "direct", "postal"}
    narrowed = client.get("/api/v1/catalog/facets", {"q": "khai sinh", "tier": "xa"}).json()
    assert sum(v["count"] for v in narrowed["sector"]) < 78
    assert client.get("/api/v1/catalog/facets", {"level": "7"}).status_code == 400
