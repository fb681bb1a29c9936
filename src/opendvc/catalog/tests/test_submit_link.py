"""The procedure page offers online filing only where the portal takes the dossier: a level that
offers it (Regulation Art. 2.13) and an agency configured to receive it. A level-3 procedure with no
receiving agency says so instead of a button leading to a page that refuses (409)."""

import pytest
from django.test import Client

from opendvc.accounts.tests.factories import UserFactory
from opendvc.catalog.models import Procedure

pytestmark = pytest.mark.usefixtures("catalog")


def _online_procedure():
    return (
        Procedure.objects.filter(level__gte=Procedure.Level.ONLINE, agencies__is_active=True)
        .distinct()
        .order_by("code")
        .first()
    )


def test_the_filing_button_needs_a_receiving_agency():
    procedure = _online_procedure()
    client = Client()
    client.force_login(UserFactory())
    submit = f'href="/thu-tuc/{procedure.code}/nop-truc-tuyen/"'
    page = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert submit in page
    assert client.get(f"/nop-ho-so/{procedure.code}/").status_code == 200

    procedure.agencies.clear()
    assert client.get(f"/nop-ho-so/{procedure.code}/").status_code == 409
    page = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert submit not in page
    assert "chưa có cơ quan tiếp nhận nào được cấu hình cho thủ tục" in page
    anonymous = Client().get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert "nop-truc-tuyen" not in anonymous
