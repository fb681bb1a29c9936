"""Identifiers in unfinished drafts are sealed at rest like a dossier's form data (Regulation
Art. 4.4; Personal Data Protection Law 91/2025/QH15), and re-sealed by a key rotation."""

from __future__ import annotations

import json
from io import StringIO

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from opendvc.eforms import services
from opendvc.eforms.models import FormDraft
from opendvc.eforms.sealing import ENC, definition_identifier_keys

from .conftest import birth_data


def raw_data(draft) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM eforms_formdraft WHERE id = %s", [draft.pk])
        value = cursor.fetchone()[0]
    return json.dumps(json.loads(value) if isinstance(value, str) else value, ensure_ascii=False)


def test_identifier_keys_come_from_the_field_kinds():
    definition = {
        "sections": [
            {
                "fields": [
                    {"key": "so_giay_to", "kind": "cccd"},
                    {"key": "ho_ten", "kind": "text"},
                    {
                        "key": "thanh_vien",
                        "kind": "group",
                        "fields": [{"key": "dt", "kind": "phone"}],
                    },
                ]
            }
        ]
    }
    keys = definition_identifier_keys(definition)
    assert {"so_giay_to", "dt", "cccd", "ma_so_thue"} <= keys
    assert "ho_ten" not in keys and "thanh_vien" not in keys


def test_draft_identifiers_are_sealed_at_rest_and_open_on_read(applicant, birth_procedure, a_ward):
    data = birth_data(a_ward)
    draft, _errors = services.draft_start(user=applicant, procedure=birth_procedure, data=data)
    raw = raw_data(draft)
    assert "075190000123" not in raw and ENC in raw
    assert "Trần Minh Khôi" in raw  # only identifiers are sealed
    assert FormDraft.objects.get(pk=draft.pk).data["requester_id_number"] == "075190000123"

    services.draft_save(draft=draft, data={**data, "requester_id_number": "075190000456"})
    assert "075190000456" not in raw_data(draft)
    assert FormDraft.objects.get(pk=draft.pk).data["requester_id_number"] == "075190000456"


def test_rotation_reseals_drafts_and_seals_those_left_in_clear(
    applicant, birth_procedure, a_ward, settings
):
    draft, _ = services.draft_start(
        user=applicant, procedure=birth_procedure, data=birth_data(a_ward)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE eforms_formdraft SET data = %s WHERE id = %s",
            [json.dumps({"requester_id_number": "075190000999"}), draft.pk],
        )
    assert "075190000999" in raw_data(draft)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *settings.FIELD_ENCRYPTION_KEYS]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "bản nháp tờ khai" in out.getvalue()
    assert "075190000999" not in raw_data(draft)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert FormDraft.objects.get(pk=draft.pk).data == {"requester_id_number": "075190000999"}
