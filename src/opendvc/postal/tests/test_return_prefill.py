"""The office's hand-over of a result to the post is filled in with the applicant's phone and address
(from their profile), for the officer to check rather than retype."""

from __future__ import annotations

import pytest
from django.conf import settings

from opendvc.accounts.models import PersonProfile

from .conftest import result_ready, sign_in

pytestmark = pytest.mark.django_db


def test_the_return_form_is_filled_from_the_applicants_profile(
    client, procedure, citizen, officer, leader
):
    citizen.phone = "0912000001"
    citizen.save()
    PersonProfile.objects.update_or_create(
        user=citizen,
        defaults={
            "current_street": "12 Võ Thị Sáu",
            "current_legacy_ward": "Phường Thống Nhất",
            "current_legacy_district": "Thành phố Biên Hòa",
        },
    )
    d = result_ready(procedure, citizen, officer, leader, channel="counter")
    sign_in(client, officer)
    page = client.get(f"/mot-cua/buu-chinh/tra-ket-qua/{d.code}/").content.decode()
    assert 'value="0912000001"' in page
    assert 'value="12 Võ Thị Sáu, Phường Thống Nhất, Thành phố Biên Hòa"' in page
    assert f'value="{citizen.full_name}"' in page
    assert f'value="{settings.PROVINCE_NAME}"' in page
