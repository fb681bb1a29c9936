"""Components grouped by case (trường hợp): the applicant chooses the case that applies (a single case
is that case) and its required components must be attached, on the filing page and through the API
(POST /api/v1/dossiers). One short message per missing paper."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opendvc.catalog.models import Component
from opendvc.dossiers import services
from opendvc.dossiers.models import Dossier, Upload

from .conftest import JUSTICE, checked_pdf, complete_profile, make_procedure, small_pdf

HOUSE = "(1.7) Đối với công trình nhà ở riêng lẻ"
ROAD = "(1.2) Đối với công trình theo tuyến"
LONG = (
    "Giấy chứng sinh do cơ sở y tế nơi trẻ em sinh ra cấp; nếu trẻ em sinh ra ngoài cơ sở y tế thì giấy "
    "chứng sinh được thay bằng văn bản xác nhận của người làm chứng; trường hợp không có người làm chứng thì "
    "người đi khai sinh phải làm giấy cam đoan về việc sinh là có thực."
)


def _procedure(code, rows):
    p = make_procedure(code=code, components=())
    for i, (name, required, case) in enumerate(rows):
        Component.objects.create(
            procedure=p, position=i, name=name, required=required, case=case, originals=1
        )
    return p


@pytest.fixture
def by_case(agencies):
    """Every component under a case, two cases (a building permit)."""
    return _procedure(
        "1.013225",
        [
            ("Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ.", True, HOUSE),
            ("Bản vẽ thiết kế xây dựng.", True, HOUSE),
            ("Bản vẽ tuyến công trình.", True, ROAD),
        ],
    )


@pytest.fixture
def one_case(agencies):
    """Every component under one case (a will certified: "Người yêu cầu chứng thực nộp 01 (một) bộ")."""
    return _procedure(
        "2.001019",
        [
            ("Dự thảo di chúc.", True, "Người yêu cầu chứng thực nộp 01 (một) bộ"),
            ("Bản sao giấy tờ tùy thân.", False, "Người yêu cầu chứng thực nộp 01 (một) bộ"),
        ],
    )


@pytest.fixture
def base_and_case(agencies):
    """Components for everyone and a case adding papers (an authorised filer)."""
    return _procedure(
        "1.001612",
        [(LONG, True, ""), ("Văn bản ủy quyền.", True, "Trường hợp ủy quyền thực hiện thủ tục")],
    )


def _files(p, *names):
    return {
        f"tp-{p.components.get(name=n).pk}": SimpleUploadedFile(
            "a.pdf", small_pdf(), "application/pdf"
        )
        for n in names
    }


def test_the_choice_follows_the_catalog(by_case, one_case, base_and_case):
    assert services.case_choice(list(by_case.components.all())).cases == (HOUSE, ROAD)
    assert services.case_choice(list(by_case.components.all())).required
    single = services.case_choice(list(one_case.components.all()))
    assert single.required and single.resolve("") == "Người yêu cầu chứng thực nộp 01 (một) bộ"
    optional = services.case_choice(list(base_and_case.components.all()))
    assert not optional.required and optional.resolve("") == ""
    names = [c.name for c in services.required_components(list(by_case.components.all()), HOUSE)]
    assert names == [
        "Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ.",
        "Bản vẽ thiết kế xây dựng.",
    ]


def test_page_asks_for_the_case_then_its_papers(client, by_case, citizen, justice):
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{by_case.code}/").content.decode()
    assert 'name="truong-hop"' in page and HOUSE in page and ROAD in page
    r = client.post(f"/nop-ho-so/{by_case.code}/", {"co-quan": justice.pk, "action": "xem-lai"})
    assert r.status_code == 422
    assert "Hãy chọn trường hợp của hồ sơ" in r.content.decode()
    r = client.post(
        f"/nop-ho-so/{by_case.code}/",
        {
            "co-quan": justice.pk,
            "action": "xem-lai",
            "truong-hop": HOUSE,
            **_files(by_case, "Bản vẽ thiết kế xây dựng."),
        },
    )
    html = r.content.decode()
    assert r.status_code == 422
    assert (
        html.count(
            "Chưa đính kèm giấy tờ bắt buộc: Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ"
        )
        == 1
    )
    assert "Bản vẽ tuyến công trình" not in html.split("error-summary")[1].split("</div>")[0]
    d = Dossier.objects.get(
        applicant=citizen
    )  # a file was attached: the draft is kept, with the case
    assert d.case == HOUSE
    edit = reverse("dossiers:edit", args=[d.public_id])
    r = client.post(
        edit,
        {
            "action": "xem-lai",
            "truong-hop": HOUSE,
            **_files(by_case, "Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ."),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    review = client.get(reverse("dossiers:review", args=[d.public_id])).content.decode()
    assert HOUSE in review
    # Choosing the other case asks for its papers instead.
    r = client.post(edit, {"action": "xem-lai", "truong-hop": ROAD})
    assert (
        r.status_code == 422
        and "Chưa đính kèm giấy tờ bắt buộc: Bản vẽ tuyến công trình" in r.content.decode()
    )


def test_submission_checks_the_case(by_case, citizen, justice):
    d = services.dossier_create_draft(
        applicant=citizen, procedure=by_case, receiving_agency=justice, actor=citizen
    )
    with pytest.raises(services.ProblemError) as exc:
        services.dossier_act(dossier=d, action="submit", actor=citizen, declaration=True)
    assert [e["path"] for e in exc.value.extra["errors"]] == ["case"]
    services.dossier_update_draft(
        dossier=d,
        actor=citizen,
        case=HOUSE,
        add_files=[(by_case.components.get(name="Bản vẽ thiết kế xây dựng."), checked_pdf())],
    )
    with pytest.raises(services.ProblemError) as exc:
        services.dossier_act(
            dossier=Dossier.objects.get(pk=d.pk), action="submit", actor=citizen, declaration=True
        )
    assert exc.value.extra["errors"] == [
        {
            "path": "files",
            "message": "Chưa đính kèm giấy tờ bắt buộc: Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ",
        }
    ]


def test_a_single_case_is_the_case(client, one_case, citizen, justice):
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{one_case.code}/").content.decode()
    assert (
        'type="hidden" name="truong-hop"' in page and 'type="radio" name="truong-hop"' not in page
    )
    r = client.post(
        f"/nop-ho-so/{one_case.code}/",
        {
            "co-quan": justice.pk,
            "action": "xem-lai",
            "truong-hop": "Người yêu cầu chứng thực nộp 01 (một) bộ",
        },
    )
    assert (
        r.status_code == 422
        and "Chưa đính kèm giấy tờ bắt buộc: Dự thảo di chúc" in r.content.decode()
    )
    # Without the page's field (an old draft), the only case still applies at submission and is kept.
    d = services.dossier_create_draft(
        applicant=citizen, procedure=one_case, receiving_agency=justice, actor=citizen
    )
    with pytest.raises(services.ProblemError):
        services.dossier_act(dossier=d, action="submit", actor=citizen, declaration=True)
    services.dossier_update_draft(
        dossier=d,
        actor=citizen,
        add_files=[(one_case.components.get(name="Dự thảo di chúc."), checked_pdf())],
    )
    d = services.dossier_act(
        dossier=Dossier.objects.get(pk=d.pk), action="submit", actor=citizen, declaration=True
    )
    assert (
        d.status == "submitted"
        and Dossier.objects.get(pk=d.pk).case == "Người yêu cầu chứng thực nộp 01 (một) bộ"
    )


def test_cases_adding_papers_are_optional(client, base_and_case, citizen, justice):
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{base_and_case.code}/").content.decode()
    assert "Không thuộc các trường hợp trên" in page
    r = client.post(
        f"/nop-ho-so/{base_and_case.code}/",
        {"co-quan": justice.pk, "action": "xem-lai", "truong-hop": ""},
    )
    html = r.content.decode()
    # c13: one short message, not the whole text twice with "..".
    assert (
        "Chưa đính kèm giấy tờ bắt buộc: Giấy chứng sinh do cơ sở y tế nơi trẻ em sinh ra cấp"
        in html
    )
    assert (
        html.count("người đi khai sinh phải làm giấy cam đoan") == 1
    )  # only the component's own label
    assert ".." not in html.replace("...", "")
    assert "Văn bản ủy quyền" not in html.split("error-summary")[1].split("</div>")[0]
    r = client.post(
        f"/nop-ho-so/{base_and_case.code}/",
        {
            "co-quan": justice.pk,
            "action": "xem-lai",
            "truong-hop": "Trường hợp ủy quyền thực hiện thủ tục",
            **_files(base_and_case, LONG),
        },
    )
    assert (
        r.status_code == 422
        and "Chưa đính kèm giấy tờ bắt buộc: Văn bản ủy quyền" in r.content.decode()
    )


def _api(client, citizen):
    from opendvc.api.services import api_token_create

    complete_profile(citizen)
    return {
        "HTTP_AUTHORIZATION": f"Bearer {api_token_create(owner=citizen, name='t', scopes=['*'])[1]}"
    }


def test_api_applies_the_same_rule(client, by_case, citizen):
    auth = _api(client, citizen)

    def post(**extra):
        body = {
            "procedure": by_case.code,
            "agency": JUSTICE,
            "submit": True,
            "declaration": True,
            **extra,
        }
        return client.post(
            "/api/v1/dossiers", json.dumps(body), content_type="application/json", **auth
        )

    r = post()
    assert r.status_code == 422 and [e["path"] for e in r.json()["errors"]] == ["case"]
    assert r.json()["errors"][0]["choices"] == [HOUSE, ROAD]
    r = post(case="Trường hợp khác")
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "case"
    r = post(case=HOUSE)
    assert r.status_code == 422
    assert [e["message"] for e in r.json()["errors"]] == [
        "Chưa đính kèm giấy tờ bắt buộc: Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Chưa đính kèm giấy tờ bắt buộc: Bản vẽ thiết kế xây dựng",
    ]
    files = []
    for name in ("Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ.", "Bản vẽ thiết kế xây dựng."):
        up = client.post(
            "/api/v1/files",
            {"file": SimpleUploadedFile("a.pdf", small_pdf(), "application/pdf")},
            **auth,
        )
        files.append({"component": by_case.components.get(name=name).pk, "file": up.json()["id"]})
    r = post(case=HOUSE, files=files)
    assert r.status_code == 201, r.content
    assert Dossier.objects.get(code=r.json()["code"]).case == HOUSE
    assert not Upload.objects.filter(claimed_at__isnull=True).exists()


def test_the_eform_file_help_has_no_doubled_full_stop():
    from opendvc.eforms.render import render_fields

    spec = {"key": "giay_chung_sinh", "kind": "file", "label": "Giấy chứng sinh", "component": LONG}
    html = str(render_fields({"sections": [{"key": "a", "title": "A", "fields": [spec]}]}, {}, []))
    assert "về việc sinh là có thực. Tệp được đính kèm ở bước nộp hồ sơ." in html
    assert ".." not in html


# The shipped catalog: the procedures the browser journeys file keep filing as before, and those the
# portal lists with every paper under a case now require a case's papers.
CATALOG = Path(__file__).resolve().parents[2] / "catalog" / "data" / "procedures-reference.json"


def _shipped(code):
    record = next(
        r
        for r in json.loads(CATALOG.read_text(encoding="utf-8"))["procedures"]
        if r["national_code"] == code
    )
    return [
        SimpleNamespace(
            pk=i, name=c["name"], required=c["required"], kind=c["kind"], case=c.get("case") or ""
        )
        for i, c in enumerate(record["components"])
    ]


@pytest.mark.parametrize("code", ["3.000333", "2.000635", "1.001612", "1.001193"])
def test_journey_procedures_need_no_case(code):
    assert not services.case_choice(_shipped(code)).required


@pytest.mark.parametrize("code", ["2.001019", "2.001035", "2.001406", "2.001827", "1.012783"])
def test_single_case_procedures_require_their_papers(code):
    components = _shipped(code)
    assert services.required_components(components, "")


@pytest.mark.parametrize("code", ["2.001199", "1.013225", "1.004222", "1.008498"])
def test_procedures_by_case_ask_for_the_case(code):
    components = _shipped(code)
    assert services.case_errors(components, "")[0]["path"] == "case"
