"""The pages: the public bundle page, the applicant's progress, an agency's back office and figures."""

from __future__ import annotations

from opendvc.dossiers.tests.conftest import sign_in
from opendvc.linked.bundles import BIRTH
from opendvc.linked.models import Part, PartState

from .conftest import file_bundle


def test_bundle_page_shows_members_split_components_and_missing_members(bundles, client):
    page = client.get(f"/lien-thong/thu-tuc/{BIRTH}/").content.decode()
    assert "2.000986" in page and "1.001193" in page and "1.004222" in page
    assert "Giấy chứng sinh" in page and "Tờ khai kết hợp" in page
    death = client.get("/lien-thong/thu-tuc/khai-tu-xoa-thuong-tru-mai-tang/").content.decode()
    assert "Trợ cấp mai táng" in death and "chưa xác minh" in death


def test_agencies_act_in_their_back_office_and_the_applicant_sees_every_part(
    bundles, people, client
):
    dossier = file_bundle(bundles[BIRTH], people)
    birth = Part.objects.get(dossier=dossier, member__key="khai-sinh")
    sign_in(client, people["justice"])
    page = client.get(f"/mot-cua/lien-thong/phan/{birth.pk}/")
    assert page.status_code == 200 and "Nhận hồ sơ liên thông" in page.content.decode()
    client.post(f"/mot-cua/lien-thong/phan/{birth.pk}/thao-tac/", {"action": "accept"})
    # The police officer cannot open the commune's part.
    sign_in(client, people["police"])
    assert client.get(f"/mot-cua/lien-thong/phan/{birth.pk}/").status_code == 404
    sign_in(client, people["chair"])
    bad = client.post(
        f"/mot-cua/lien-thong/phan/{birth.pk}/thao-tac/", {"action": "complete", "result": ""}
    )
    assert bad.status_code == 422 and "Phải ghi kết quả" in bad.content.decode()
    client.post(
        f"/mot-cua/lien-thong/phan/{birth.pk}/thao-tac/",
        {"action": "complete", "result": "Giấy khai sinh số 7"},
    )
    birth.refresh_from_db()
    assert birth.status == PartState.DONE
    police = Part.objects.get(dossier=dossier, member__key="thuong-tru")
    sign_in(client, people["police"])
    client.post(f"/mot-cua/lien-thong/phan/{police.pk}/thao-tac/", {"action": "accept"})
    client.post(
        f"/mot-cua/lien-thong/phan/{police.pk}/thao-tac/",
        {
            "action": "request_completion",
            "reason": "Thiếu ý kiến chủ hộ",
            "items": "Văn bản đồng ý của chủ hộ",
        },
    )
    sign_in(client, people["citizen"])
    mine = client.get(f"/ho-so-cua-toi/{dossier.public_id}/lien-thong/").content.decode()
    assert (
        "Giấy khai sinh số 7" in mine
        and "Thiếu ý kiến chủ hộ" in mine
        and "Văn bản đồng ý của chủ hộ" in mine
    )
    assert "Bảo hiểm xã hội cơ sở Biên Hòa" in mine
    client.post(
        f"/ho-so-cua-toi/{dossier.public_id}/lien-thong/{police.pk}/bo-sung/", {"note": "Đã nộp"}
    )
    police.refresh_from_db()
    assert police.status == PartState.PROCESSING
    # Someone else's dossier is not found.
    sign_in(client, people["police"])
    assert client.get(f"/ho-so-cua-toi/{dossier.public_id}/lien-thong/").status_code == 404


def test_figures_page(bundles, people, client):
    file_bundle(bundles[BIRTH], people)
    sign_in(client, people["chair"])
    page = client.get("/mot-cua/lien-thong/thong-ke/")
    assert page.status_code == 200 and "Tỷ lệ đúng hạn" in page.content.decode()


def test_an_agencys_part_shows_its_form_data_as_people_read_it(bundles, people, client):
    """The officer of a member agency reads its part of the combined form with the form's labels,
    option labels, dd/mm/yyyy and Có/Không, identifiers masked: no field key nor raw value."""
    from opendvc.eforms.models import FormVersion

    dossier = file_bundle(bundles[BIRTH], people)
    # Filed with the bundle's combined e-form (its identifier fields are sealed and masked by kind).
    dossier.form_version_id = (
        FormVersion.objects.filter(form__key=bundles[BIRTH].form_key).order_by("-number").first().pk
    )
    dossier.form_data = {
        "requester_name": "Trần Thị Bình",
        "requester_id_number": "075090001234",
        "child_name": "Trần Minh Khôi",
        "child_birth_date": "2026-11-20",
        "child_gender": "male",
        "father_known": True,
        "declaration": True,
    }
    dossier.save(update_fields=["form_version_id", "form_data"])
    birth = Part.objects.get(dossier=dossier, member__key="khai-sinh")
    sign_in(client, people["justice"])
    page = client.get(f"/mot-cua/lien-thong/phan/{birth.pk}/").content.decode()
    assert "Trần Minh Khôi" in page and "20/11/2026" in page and "Nam" in page
    assert "Họ, chữ đệm, tên người được khai sinh" in page and "Giới tính" in page
    for raw in ("child_name", "child_birth_date", "2026-11-20", "child_gender", ">male<", ">True<"):
        assert raw not in page, raw
    assert "075090001234" not in page and "075******234" in page


def test_the_office_dossier_page_links_only_the_parts_the_officer_opens(bundles, people, client):
    """Each member agency opens only its own part (404 for the others'): the ward's page of the dossier
    links the ward's part and names the police's and the social insurance's without a link."""
    dossier = file_bundle(bundles[BIRTH], people)
    parts = {p.member.key: p for p in Part.objects.filter(dossier=dossier).select_related("member")}
    sign_in(client, people["justice"])
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    for key, part in parts.items():
        url = f"/mot-cua/lien-thong/phan/{part.pk}/"
        opens = client.get(url).status_code == 200
        assert (f'href="{url}"' in page) == opens, (key, opens)
        assert part.member.name in page
    assert f'href="/mot-cua/lien-thong/phan/{parts["khai-sinh"].pk}/"' in page
    assert f'href="/mot-cua/lien-thong/phan/{parts["thuong-tru"].pk}/"' not in page


def test_the_handoffs_table_turns_into_cards_on_a_phone(bundles, people, client):
    """The hand-offs between agencies (five columns, wider than a 360 px phone) are a data table
    that stacks, each cell named by its column, like the other tables of a dossier's pages."""
    import re

    dossier = file_bundle(bundles[BIRTH], people)
    sign_in(client, people["citizen"])
    page = client.get(f"/ho-so-cua-toi/{dossier.public_id}/lien-thong/").content.decode()
    assert "Chuyển hồ sơ giữa các cơ quan" in page
    table = re.search(r"<table[^>]*>.*?</table>", page, re.S).group(0)
    assert re.match(r'<table class="stack"', table), table[:60]
    cells = re.findall(r"<td[^>]*>", table)
    assert cells and all("data-label=" in td for td in cells), cells


def test_a_member_of_the_organisation_a_linked_dossier_was_filed_for_follows_and_supplies_it(
    bundles, people, client
):
    """A dossier filed in an organisation's name is every member's (``Hồ sơ của tôi`` lists it and
    links its progress): the progress page, the supply and the result files open for each of them,
    as for any other dossier; for anyone else they stay 404."""
    from opendvc.accounts.tests.factories import MembershipFactory, UserFactory
    from opendvc.dossiers.models import Dossier
    from opendvc.linked.services import PartAction, part_act

    dossier = file_bundle(bundles[BIRTH], people)
    filer = MembershipFactory(user=people["citizen"])
    colleague = MembershipFactory(
        organisation=filer.organisation, role="authorised_staff"
    ).user
    Dossier.objects.filter(pk=dossier.pk).update(acting_for=filer.organisation)
    birth = Part.objects.get(dossier=dossier, member__key="khai-sinh")
    part_act(part=birth, action=PartAction.ACCEPT, actor=people["justice"])
    part_act(
        part=birth,
        action=PartAction.REQUEST_COMPLETION,
        actor=people["justice"],
        reason="Thiếu giấy chứng sinh",
        items=["Giấy chứng sinh bản chính"],
    )
    progress = f"/ho-so-cua-toi/{dossier.public_id}/lien-thong/"

    sign_in(client, colleague)
    detail = client.get(f"/ho-so-cua-toi/{dossier.public_id}/").content.decode()
    assert progress in detail
    page = client.get(progress)
    assert page.status_code == 200 and "Thiếu giấy chứng sinh" in page.content.decode()
    client.post(f"{progress}{birth.pk}/bo-sung/", {"note": "Đã nộp bản chính"})
    birth.refresh_from_db()
    assert birth.status == PartState.PROCESSING

    sign_in(client, UserFactory())
    assert client.get(progress).status_code == 404


def test_a_refused_part_action_keeps_what_was_typed_with_the_error_at_its_input(
    bundles, people, client
):
    """A refusal of the commune's part without a reason: 422, the error at the reason (aria-invalid,
    described by it, linked from the summary); the note typed beside it is still in its box."""
    dossier = file_bundle(bundles[BIRTH], people)
    birth = Part.objects.get(dossier=dossier, member__key="khai-sinh")
    sign_in(client, people["justice"])
    client.post(f"/mot-cua/lien-thong/phan/{birth.pk}/thao-tac/", {"action": "accept"})
    sign_in(client, people["chair"])
    r = client.post(
        f"/mot-cua/lien-thong/phan/{birth.pk}/thao-tac/",
        {"action": "complete", "result": "   ", "note": "Đã đối chiếu sổ hộ tịch"},
    )
    page = r.content.decode()
    assert r.status_code == 422
    assert 'aria-invalid="true" aria-describedby="complete-result-error"' in page
    assert 'href="#complete-result"' in page
    assert ">Đã đối chiếu sổ hộ tịch</textarea>" in page
    assert Part.objects.get(pk=birth.pk).status != PartState.DONE
