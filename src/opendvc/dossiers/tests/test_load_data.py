from django.core.management import call_command

from opendvc.dossiers.models import Dossier


def test_generate_and_delete_synthetic_dossiers(procedure, settings):
    settings.DEBUG = True
    call_command("generate_load_dossiers", dossiers=300, no_progress=True)
    qs = Dossier.objects.filter(form_data__synthetic=True)
    assert qs.count() == 300
    assert qs.values("receiving_agency").distinct().count() > 3
    assert qs.values("status").distinct().count() > 5
    assert all(c.startswith("SYN-") for c in qs.exclude(code=None).values_list("code", flat=True))
    call_command("generate_load_dossiers", delete=True)
    assert not Dossier.objects.filter(form_data__synthetic=True).exists()


def test_generate_load_data_delegates_dossiers(procedure, settings):
    call_command("generate_load_data", dossiers=20, no_progress=True)
    assert Dossier.objects.filter(form_data__synthetic=True).count() == 20
