"""Services with the database: shipped forms, publishing, drafts, prefill, parsing, rendering, PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from pypdf import PdfReader

from opendvc.accounts.models import PersonProfile
from opendvc.audit.models import AuditEntry
from opendvc.catalog.models import Procedure
from opendvc.eforms import demo, services
from opendvc.eforms.jobs import warn_drafts
from opendvc.eforms.models import FormAssignment, FormDefinition, FormDraft, FormVersion
from opendvc.eforms.selectors import form_for_procedure
from opendvc.notifications.models import Notification

from .conftest import birth_data


def test_seed_publishes_the_shipped_forms_and_is_idempotent(eforms):
    assert FormDefinition.objects.count() == 12
    assert FormAssignment.objects.count() == 13
    versions, entries = FormVersion.objects.count(), AuditEntry.objects.count()
    demo.seed()
    assert FormVersion.objects.count() == versions and AuditEntry.objects.count() == entries


def test_form_for_procedure(birth_procedure, birth_version):
    assert birth_version.title == "Tờ khai đăng ký khai sinh"

    assert form_for_procedure(procedure=Procedure.objects.get(code="2.000720")) is None


def test_published_version_is_immutable(birth_version):
    with pytest.raises(ValidationError):
        birth_version.save()
    with pytest.raises(ValidationError):
        birth_version.delete()


def test_new_version_leaves_old_drafts_alone(
    birth_procedure, birth_version, applicant, admin_user, a_ward
):
    draft, _errors = services.draft_start(
        user=applicant, procedure=birth_procedure, data=birth_data(a_ward)
    )
    form = birth_version.form
    changed = dict(form.working_copy, title="Tờ khai đăng ký khai sinh (sửa đổi)")
    services.definition_save(key=form.key, definition=changed, actor=admin_user)
    new = services.definition_publish(form=form, actor=admin_user)
    assert new.number == 2 and form_for_procedure(procedure=birth_procedure) == new
    draft.refresh_from_db()
    assert draft.form_version == birth_version and draft.data["child_name"] == "Trần Minh Khôi"
    assert AuditEntry.objects.filter(action="eforms.version.published", actor=admin_user).exists()
    assert (
        services.definition_publish(form=form, actor=admin_user) == new
    )  # unchanged: no new version


def test_definition_check_knows_the_catalog(eforms):
    definition = {
        "title": "T",
        "procedures": ["1.001193", "9.999999"],
        "sections": [
            {
                "key": "a",
                "title": "A",
                "fields": [
                    {"key": "f", "kind": "file", "label": "F", "component": "Không có giấy này"}
                ],
            }
        ],
    }
    problems = services.definition_check(definition=definition)
    assert {
        "path": "procedures/1",
        "message": "Không có thủ tục mã “9.999999” trong danh mục.",
    } in problems
    assert any(
        p["path"] == "sections/0/fields/0/component" and "1.001193" in p["message"]
        for p in problems
    )
    with pytest.raises(services.DefinitionError):
        services.definition_save(key="thu", definition=definition, actor=None)


def test_form_validate_contract(birth_version, a_ward):
    cleaned = services.form_validate(form_version=birth_version, data=birth_data(a_ward))
    assert cleaned["child_birth_date"] == "2025-09-05"
    with pytest.raises(services.FormValidationError) as caught:
        services.form_validate(
            form_version=birth_version, data=birth_data(a_ward) | {"child_birth_date": "29/02/2025"}
        )
    assert caught.value.errors == [
        {"path": "child_birth_date", "message": "Ngày 29/02/2025 không tồn tại."}
    ]


def _as_post(data: dict, prefix: str = "") -> QueryDict:
    post = QueryDict(mutable=True)

    def put(name, value):
        if isinstance(value, dict):
            for sub, v in value.items():
                post[f"{name}-{sub}"] = str(v)
        elif isinstance(value, list):
            post.setlist(name, value)
        elif value is True:
            post[name] = "1"
        elif value is not False:
            post[name] = str(value)

    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                for sub, v in row.items():
                    put(f"{prefix}f-{key}-{index}-{sub}", v)
        else:
            put(f"{prefix}f-{key}", value)
    return post


def test_parse_post_round_trip_through_render(birth_version, a_ward):
    data = birth_data(a_ward)
    parsed = services.form_parse_post(
        form_version=birth_version, post=_as_post(data, "x-"), prefix="x-"
    )
    assert services.form_validate(
        form_version=birth_version, data=parsed
    ) == services.form_validate(form_version=birth_version, data=data)
    html = services.form_render(form_version=birth_version, data=data, errors=None, prefix="x-")
    assert 'id="x-f-child_name"' in html and 'value="Trần Minh Khôi"' in html
    assert 'value="05/09/2025"' in html  # dates shown dd/mm/yyyy


def test_group_rows_parse_and_row_buttons(eforms):
    version = form_for_procedure(procedure=Procedure.objects.get(code="1.001612"))
    post = _as_post(
        {
            "family_members": [
                {"name": "An", "birth_date": "01/01/1990"},
                {"name": ""},
                {"name": "Bình"},
            ]
        }
    )
    parsed = services.form_parse_post(form_version=version, post=post)
    assert [r["name"] for r in parsed["family_members"]] == ["An", "Bình"]
    post["eforms-add"] = "family_members"
    shown = services.form_row_action(form_version=version, post=post)
    assert len(shown["family_members"]) == 4
    post.pop("eforms-add")
    post["eforms-remove"] = "family_members/0"
    shown = services.form_row_action(form_version=version, post=post)
    assert [r["name"] for r in shown["family_members"]] == ["", "Bình"]


def test_render_is_accessible(birth_version):
    errors = [
        {"path": "child_name", "message": "Vui lòng nhập họ tên."},
        {"path": "requester_address/ward", "message": "Phường, xã không thuộc tỉnh."},
    ]
    html = services.form_render(
        form_version=birth_version, data={"child_name": "<script>x</script>"}, errors=errors
    )
    assert "<script>x" not in html and "&lt;script&gt;" in html
    tag = re.search(r'<input[^>]*id="f-child_name"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and 'aria-describedby="f-child_name-error"' in tag
    assert '<label for="f-child_name">' in html
    ward = re.search(r'<select[^>]*id="f-requester_address-ward"[^>]*>', html).group(0)
    assert "f-requester_address-ward-error" in ward and 'aria-invalid="true"' in ward
    for control in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', html):
        assert f'for="{control}"' in html, control
    assert (
        "Chỉ điền khi “Nơi sinh” là “Tại cơ sở y tế”." in html
    )  # said in words for pages without JavaScript
    assert "Chỉ điền khi “Đã xác định được người cha” được đánh dấu." in html
    links = services.error_links(form_version=birth_version, errors=errors)
    assert links[0] == {
        "target": "f-child_name",
        "label": "Người được khai sinh – Họ, chữ đệm, tên người được khai sinh",
        "message": "Vui lòng nhập họ tên.",
    }


def test_prefill_from_account_and_previous_dossier(birth_procedure, applicant):
    profile = PersonProfile(
        user=applicant,
        gender="female",
        date_of_birth=dt.date(1990, 5, 6),
        permanent_province_code=75,
        permanent_ward_code=25195,
        permanent_street="12 Võ Thị Sáu",
    )
    profile.cccd = "075190000123"
    profile.save()
    data = services.prefill_for(user=applicant, procedure=birth_procedure)
    assert data["requester_name"] == "Nguyễn Thị Hồng"
    assert data["requester_id_number"] == "075190000123"
    assert data["requester_address"] == {"province": 75, "ward": 25195, "street": "12 Võ Thị Sáu"}
    previous = {"child_ethnicity": "Kinh", "requester_name": "Cũ", "not_a_field": 1, "declaration": True}
    data = services.prefill_for(user=applicant, procedure=birth_procedure, previous=previous)
    assert data["child_ethnicity"] == "Kinh" and data["requester_name"] == "Nguyễn Thị Hồng"
    assert "not_a_field" not in data
    # The pledge of the earlier filing is not carried over: it is made anew.
    assert not data.get("declaration")


def test_drafts_keep_valid_values_complete_and_expire(
    birth_procedure, applicant, a_ward, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC), tick=False)
    bad = birth_data(a_ward) | {"child_birth_date": "31/02/2025"}
    draft, errors = services.draft_start(user=applicant, procedure=birth_procedure, data=bad)
    assert [e["path"] for e in errors] == ["child_birth_date"]
    assert draft.data["child_name"] == "Trần Minh Khôi" and "child_birth_date" not in draft.data
    with pytest.raises(services.FormValidationError):
        services.draft_complete(draft=draft, data=bad | {"child_name": "Trần Minh Khôi Nguyên"})
    draft.refresh_from_db()
    assert draft.completed_at is None and draft.data["child_name"] == "Trần Minh Khôi Nguyên"
    services.draft_complete(draft=draft, data=birth_data(a_ward))
    draft.refresh_from_db()
    assert draft.completed_at is not None and draft.data["child_birth_date"] == "2025-09-05"
    assert draft.expires_at == timezone.now() + services.draft_lifetime()
    time_machine.move_to(
        timezone.now() + services.draft_lifetime() + dt.timedelta(minutes=1), tick=False
    )
    assert services.purge_expired_drafts() == 1
    assert not FormDraft.objects.exists()


def test_pdf_keeps_vietnamese_text(birth_version, a_ward):
    cleaned = services.form_validate(form_version=birth_version, data=birth_data(a_ward))
    pdf = services.form_pdf(form_version=birth_version, data=cleaned)
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    for expected in (
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "Trần Minh Khôi",
        "05/09/2025",
        "Bệnh viện Đa khoa Đồng Nai",
        "Nguyễn Thị Hồng",
        "Độc lập – Tự do – Hạnh phúc",
    ):
        assert expected in flat, expected
    blank = " ".join(
        "".join(
            p.extract_text()
            for p in PdfReader(
                io.BytesIO(services.form_pdf(form_version=birth_version, data=None))
            ).pages
        ).split()
    )
    assert "Họ, chữ đệm, tên người được khai sinh" in blank and "Trần Minh Khôi" not in blank


def test_applicant_is_warned_once_before_a_draft_expires(birth_procedure, applicant, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    draft, _errors = services.draft_start(
        user=applicant, procedure=birth_procedure, data={"child_name": "Na"}
    )
    assert warn_drafts() == 0  # 30 days left
    time_machine.move_to(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False)
    assert warn_drafts() == 1 and warn_drafts() == 0
    message = Notification.objects.filter(recipient=applicant, channel="email").get()
    assert (
        "sắp hết hạn" in message.subject and f"/to-khai/ban-nhap/{draft.public_id}/" in message.body
    )
    services.draft_save(
        draft=draft, data={"child_name": "Na Na"}
    )  # saving again pushes the expiry back
    assert warn_drafts() == 0


def test_prefill_carries_a_completed_draft_into_filing(birth_procedure, applicant, a_ward):
    draft, _errors = services.draft_start(user=applicant, procedure=birth_procedure, data={})
    assert services.prefill_for(user=applicant, procedure=birth_procedure).get("child_name") is None
    services.draft_complete(draft=draft, data=birth_data(a_ward))
    data = services.prefill_for(user=applicant, procedure=birth_procedure)
    assert data["child_name"] == "Trần Minh Khôi" and data["child_birth_date"] == "2025-09-05"


def test_a_procedure_uses_one_form_and_leaves_when_taken_off_the_list(eforms, admin_user):
    other = {
        "title": "Khác",
        "procedures": ["1.001193"],
        "sections": [
            {"key": "a", "title": "A", "fields": [{"key": "x", "kind": "text", "label": "X"}]}
        ],
    }
    problems = services.definition_check(definition=other, key="khac")
    assert problems == [
        {
            "path": "procedures/0",
            "message": (
                "Thủ tục 1.001193 đang dùng biểu mẫu “dang-ky-khai-sinh”; bỏ thủ tục khỏi biểu mẫu đó trước."
            ),
        }
    ]
    form = FormDefinition.objects.get(key="to-khai-thay-doi-thong-tin-cu-tru")
    services.definition_save(
        key=form.key, definition=dict(form.working_copy, procedures=["1.004194"]), actor=admin_user
    )
    services.definition_publish(form=form, actor=admin_user)
    assert list(
        FormAssignment.objects.filter(form_version__form=form).values_list(
            "procedure__code", flat=True
        )
    ) == ["1.004194"]
    entry = AuditEntry.objects.filter(action="eforms.version.published").latest("pk")
    assert entry.changes["unassigned"] == ["1.004222"]
