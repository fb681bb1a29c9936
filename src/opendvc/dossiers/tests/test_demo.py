import pytest


@pytest.mark.django_db
def test_demo_dossiers_seed_idempotently():
    from opendvc.accounts import demo as accounts_demo
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.dossiers import demo
    from opendvc.dossiers.models import Dossier
    from opendvc.eforms import demo as eforms_demo

    agencies_demo.seed()
    accounts_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    demo.seed()
    states = set(Dossier.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "received", "returned_for_completion", "refused"} <= states
    count = Dossier.objects.count()
    demo.seed()
    assert Dossier.objects.count() == count == 6
