import pytest

from opendvc.catalog.models import Field, Procedure, Sector
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.signals import dossier_acted
from opendvc.feedback.tests.conftest import make_item, monday, org  # noqa: F401  (shared fixtures)


@pytest.fixture
def procedure(db):
    sector = Sector.objects.create(code="tu-phap", name="Tư pháp")
    field = Field.objects.create(code="ho-tich", name="Hộ tịch", sector=sector)
    return Procedure.objects.create(
        code="1.001193", name="Đăng ký khai sinh", sector=sector, field=field, level=3
    )


def _returned(dossier):
    """What the engine signals once the return of a result commits (``test_signals`` walks the
    real path)."""
    dossier_acted.send(
        sender=Dossier,
        instance=dossier,
        action="return_result",
        event=None,
        from_state="result_ready",
        to_state="returned",
    )


@pytest.fixture
def returned_dossier(org, procedure, django_capture_on_commit_callbacks):  # noqa: F811 - org is the fixture imported above
    dossier = Dossier.objects.create(
        code="000.00.32.H19-261130-0001",
        procedure=procedure,
        applicant=org["citizen"],
        receiving_agency=org["dept"],
        status="returned",
    )
    with django_capture_on_commit_callbacks(execute=True):
        _returned(dossier)
    return dossier
