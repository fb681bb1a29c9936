"""Identifiers in dossier form data: encrypted at rest, masked to staff, shown in full only with a
reason (logged, audited); every staff read of a dossier is in the access log the applicant sees in
their personal data export (Regulation Art. 4.4, 13.3)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from opendvc.audit.models import AuditEntry
from opendvc.dossiers.models import Dossier, DossierAccess
from opendvc.dossiers.personal_data import ENC, form_data_mask, form_data_reseal_all

from .conftest import sign_in, submitted_dossier

CCCD, PHONE, TAX = "075090001234", "0912345678", "3602123456"


def raw_form_data(dossier) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT form_data FROM dossiers_dossier WHERE id = %s", [dossier.pk])
        value = cursor.fetchone()[0]
    return json.dumps(json.loads(value) if isinstance(value, str) else value, ensure_ascii=False)


@pytest.fixture
def form_version(db):
    from opendvc.eforms.models import FormDefinition, FormVersion

    definition = {
        "sections": [
            {
                "title": "A",
                "fields": [
                    {"key": "nguoi_khai", "kind": "text", "label": "Người khai"},
                    {"key": "giay_to", "kind": "cccd", "label": "Số CCCD"},
                    {"key": "lien_he", "kind": "phone", "label": "Điện thoại"},
                    {
                        "key": "thanh_vien",
                        "kind": "group",
                        "label": "Thành viên",
                        "fields": [
                            {"key": "ten", "kind": "text", "label": "Tên"},
                            {"key": "so_dinh_danh", "kind": "cccd", "label": "Số định danh"},
                        ],
                    },
                ],
            }
        ]
    }
    form = FormDefinition.objects.create(
        key="thu-nghiem", title="Tờ khai thử nghiệm", working_copy=definition
    )
    return FormVersion.objects.create(form=form, number=1, definition=definition, content_hash="x")


@pytest.fixture
def dossier(procedure, citizen, form_version):
    d = submitted_dossier(procedure, citizen)
    d.form_version_id = form_version.pk
    d.form_data = {
        "nguoi_khai": "Nguyễn Thị Hoa",
        "giay_to": CCCD,
        "lien_he": PHONE,
        "thanh_vien": [{"ten": "Trần Văn Bé", "so_dinh_danh": "075220009876"}],
        "ma_so_thue": TAX,
    }
    d.save(update_fields=["form_version_id", "form_data"])
    return d


def test_identifiers_are_encrypted_at_rest_and_read_back(dossier):
    raw = raw_form_data(dossier)
    for secret in (CCCD, PHONE, TAX, "075220009876"):
        assert secret not in raw
    assert "Nguyễn Thị Hoa" in raw and "Trần Văn Bé" in raw and raw.count(ENC) == 4
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (
        fresh.form_data["giay_to"] == CCCD
        and fresh.form_data["thanh_vien"][0]["so_dinh_danh"] == "075220009876"
    )
    assert (
        Dossier.objects.filter(pk=dossier.pk).values_list("form_data", flat=True).get()["lien_he"]
        == PHONE
    )
    # A queryset update (no instance, no form): identifier-named keys are still sealed.
    Dossier.objects.filter(pk=dossier.pk).update(
        form_data={"cccd": "079111222333", "ghi_chu": "không"}
    )
    assert "079111222333" not in raw_form_data(dossier)
    assert Dossier.objects.get(pk=dossier.pk).form_data == {
        "cccd": "079111222333",
        "ghi_chu": "không",
    }


def test_mask_keeps_the_shape(dossier, form_version):
    masked = form_data_mask(dossier.form_data, form_version_id=form_version.pk)
    assert masked == {
        "nguoi_khai": "Nguyễn Thị Hoa",
        "giay_to": "075******234",
        "lien_he": "091****678",
        "thanh_vien": [{"ten": "Trần Văn Bé", "so_dinh_danh": "075******876"}],
        "ma_so_thue": "360****456",
    }
    assert dossier.form_data["giay_to"] == CCCD  # the dossier itself is untouched


def test_rotation_re_encrypts_with_the_newest_key(dossier, settings):
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *old]
    call_command("rotate_encryption_keys", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key retired
    assert Dossier.objects.get(pk=dossier.pk).form_data["giay_to"] == CCCD
    assert form_data_reseal_all() == 1  # every run re-encrypts (fresh tokens); nothing in clear


def test_plain_identifiers_left_from_before_are_sealed(dossier):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dossiers_dossier SET form_data = %s WHERE id = %s",
            [json.dumps({"giay_to": CCCD, "so_cccd": "079000111222"}), dossier.pk],
        )
    assert CCCD in raw_form_data(dossier)
    form_data_reseal_all()
    assert CCCD not in raw_form_data(dossier) and "079000111222" not in raw_form_data(dossier)
    assert Dossier.objects.get(pk=dossier.pk).form_data == {
        "giay_to": CCCD,
        "so_cccd": "079000111222",
    }


def test_staff_page_masks_and_logs_each_read(client, dossier, officer, citizen):
    sign_in(client, officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert (
        CCCD not in page
        and PHONE not in page
        and "075******234" in page
        and "Nguyễn Thị Hoa" in page
    )
    client.get(f"/mot-cua/ho-so/{dossier.code}/")
    assert list(DossierAccess.objects.values_list("user", "action")) == [(officer.pk, "read")] * 2
    # Revealing needs a reason (refused at its field: the page again, masked, read once more); it
    # is logged and audited.
    r = client.post(f"/mot-cua/ho-so/{dossier.code}/dinh-danh/", {"ly_do": "  "})
    assert r.status_code == 422 and not DossierAccess.objects.filter(action="reveal").exists()
    assert 'aria-invalid="true" aria-describedby="reveal-reason-error"' in r.content.decode()
    assert CCCD not in r.content.decode()
    page = client.post(
        f"/mot-cua/ho-so/{dossier.code}/dinh-danh/", {"ly_do": "Đối chiếu bản gốc CCCD tại quầy"}
    ).content.decode()
    assert CCCD in page and PHONE in page and "đã được ghi nhật ký" in page
    reveal = DossierAccess.objects.get(action="reveal")
    assert reveal.user == officer and reveal.reason == "Đối chiếu bản gốc CCCD tại quầy"
    assert AuditEntry.objects.filter(
        action="dossier.reveal_identifiers", target_id=str(dossier.public_id)
    ).exists()

    # The applicant finds every read in their export; their own reads are not logged.
    from opendvc.accounts.selectors import export_personal_data

    client.force_login(citizen)
    client.get(f"/ho-so-cua-toi/{dossier.public_id}/")
    reads = export_personal_data(user=citizen)["dossier_reads"]
    assert [(r["dossier"], r["action"], r["by"]) for r in reads] == [
        (dossier.code, "read", officer.full_name)
    ] * 3 + [(dossier.code, "reveal", officer.full_name)]
    assert reads[-1]["reason"] == "Đối chiếu bản gốc CCCD tại quầy"


def test_api_masks_for_staff_and_logs(client, dossier, officer, citizen):
    client.force_login(officer)
    body = client.get(f"/api/v1/dossiers/{dossier.code}").json()
    assert body["data"]["giay_to"] == "075******234"
    assert DossierAccess.objects.get().action == "api"
    client.force_login(citizen)
    assert client.get(f"/api/v1/dossiers/{dossier.code}").json()["data"]["giay_to"] == CCCD
    assert DossierAccess.objects.count() == 1


def test_the_personal_data_export_holds_the_persons_dossiers_and_what_they_typed(
    client, dossier, citizen, stranger
):
    """“Tải dữ liệu của tôi”, offered as the whole of the person's data before they ask for their
    account to go, held their account, profile and who read their dossiers, but not the dossiers: the
    form data they typed (identifiers in clear, it is theirs) and the files they attached."""
    from opendvc.dossiers.models import DossierFile

    DossierFile.objects.create(
        dossier=dossier, original_name="giay-chung-sinh.pdf", file="x/giay-chung-sinh.pdf",
        sha256="0" * 64, size=1234, content_type="application/pdf",
        component_name="Giấy chứng sinh", uploaded_by=citizen,
    )
    sign_in(client, citizen)
    data = json.loads(client.get("/ca-nhan/du-lieu/tai-ve/").content)
    [mine] = data["dossiers"]
    assert mine["code"] == dossier.code and mine["procedure"] == dossier.procedure.code
    assert mine["status"] == "submitted" and mine["submitted_at"]
    assert mine["form_data"]["giay_to"] == CCCD and mine["form_data"]["lien_he"] == PHONE
    assert {"name": "giay-chung-sinh.pdf", "component": "Giấy chứng sinh", "size": 1234} in mine[
        "files"
    ] and len(mine["files"]) == dossier.files.count()
    sign_in(client, stranger)
    assert json.loads(client.get("/ca-nhan/du-lieu/tai-ve/").content)["dossiers"] == []
