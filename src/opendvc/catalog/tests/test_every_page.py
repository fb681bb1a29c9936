"""Every shipped procedure and every agency page renders (templates cover all the data's shapes)."""

import pytest

from opendvc.agencies.models import Agency
from opendvc.catalog.models import Procedure

pytestmark = pytest.mark.usefixtures("catalog")


def test_every_procedure_page_and_document_renders(client):
    for code in Procedure.objects.values_list("code", flat=True):
        page = client.get(f"/thu-tuc/{code}/")
        assert page.status_code == 200, code
        assert page.content.decode().count("<h1") == 1
        assert client.get(f"/api/v1/procedures/{code}").status_code == 200, code


def test_every_agency_page_renders(client):
    for code in Agency.objects.values_list("code", flat=True):
        assert client.get(f"/co-quan/{code}/").status_code == 200, code
