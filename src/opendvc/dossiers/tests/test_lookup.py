"""Public lookup: status and dates only, the same answer for a wrong code and a wrong key, rate-limited."""

from __future__ import annotations

from opendvc.dossiers import services
from opendvc.dossiers.documents import lookup_key_of, lookup_url

from .conftest import submitted_dossier


def test_api_lookup_shows_status_without_personal_data(client, citizen, officer, procedure):
    d = services.dossier_act(dossier=submitted_dossier(procedure, citizen), action="receive", actor=officer)
    key = lookup_key_of(d)
    r = client.get(f"/api/v1/public/dossiers/{d.code}", {"key": key})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "received" and body["due_at"] and body["received_at"]
    assert [s["action"] for s in body["steps"]] == ["submit", "receive"]
    text = r.content.decode()
    for private in (citizen.full_name, citizen.email, "giay-chung-sinh", officer.full_name, str(d.public_id)):
        assert private not in text
    # Lower case and spaces in the typed key are tolerated.
    assert client.get(f"/api/v1/public/dossiers/{d.code}", {"key": f" {key.lower()} "}).status_code == 200


def test_wrong_key_and_wrong_code_answer_the_same(client, citizen, procedure):
    d = submitted_dossier(procedure, citizen)
    wrong_key = client.get(f"/api/v1/public/dossiers/{d.code}", {"key": "ABCDEFGH"})
    wrong_code = client.get("/api/v1/public/dossiers/000.00.32.H19-990101-9999", {"key": lookup_key_of(d)})
    assert wrong_key.status_code == wrong_code.status_code == 404
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731
    assert strip(wrong_key) == strip(wrong_code)
    page_key = client.get("/tra-cuu/", {"ma": d.code, "khoa": "ABCDEFGH"}).content.decode()
    page_code = client.get("/tra-cuu/", {"ma": "X-1", "khoa": lookup_key_of(d)}).content.decode()
    assert "Không tìm thấy hồ sơ" in page_key and "Không tìm thấy hồ sơ" in page_code


def test_lookup_page_and_receipt_link(client, citizen, procedure):
    d = submitted_dossier(procedure, citizen)
    url = lookup_url(d, lookup_key_of(d))
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path).content.decode()
    assert d.code in page and "Đã nộp, chờ tiếp nhận" in page
    assert citizen.full_name not in page


def test_lookup_is_rate_limited(client, citizen, procedure, settings):
    settings.DOSSIER_LOOKUP_RATE_PER_MINUTE = 3
    d = submitted_dossier(procedure, citizen)
    codes = [client.get(f"/api/v1/public/dossiers/{d.code}", {"key": "WRONG"}).status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    r = client.get(f"/api/v1/public/dossiers/{d.code}", {"key": lookup_key_of(d)})
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert r["Retry-After"] == "60"
    page = client.get("/tra-cuu/", {"ma": d.code, "khoa": lookup_key_of(d)})
    assert page.status_code == 429 and page["Retry-After"] == "60"


def test_drafts_are_never_found(client, citizen, procedure, justice):
    from opendvc.dossiers.selectors import public_status

    d = services.dossier_create_draft(applicant=citizen, procedure=procedure, receiving_agency=justice, actor=citizen)
    assert public_status(code=str(d.code), key="") is None
    assert client.get("/tra-cuu/").status_code == 200


def test_one_code_missing_is_asked_for_at_its_input(client, citizen, procedure):
    # It read "no dossier has this code and key", as if the codes typed were wrong.
    d = submitted_dossier(procedure, citizen)
    r = client.get("/tra-cuu/", {"ma": d.code, "khoa": " "})
    assert r.status_code == 422
    page = r.content.decode()
    assert "Không tìm thấy hồ sơ" not in page
    assert 'aria-invalid="true" aria-describedby="khoa-error"' in page and '<a href="#khoa">' in page
    assert f'value="{d.code}"' in page and 'aria-describedby="ma-error"' not in page
    client.cookies["django_language"] = "en"
    page = client.get("/tra-cuu/", {"khoa": lookup_key_of(d)}).content.decode()
    assert "Enter the dossier code printed on the dossier receipt." in page
