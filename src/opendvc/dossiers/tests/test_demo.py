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
    # Every demo dossier is at an agency that implements its procedure (named on it in the catalog).
    for d in Dossier.objects.select_related("procedure", "receiving_agency"):
        assert d.procedure.agencies.filter(pk=d.receiving_agency_id).exists(), (
            f"{d.procedure.code} is not implemented by {d.receiving_agency.name}"
        )
    received = Dossier.objects.filter(status="received")
    assert received.count() == 2 and all(d.due_at for d in received)
    count = Dossier.objects.count()
    demo.seed()
    assert Dossier.objects.count() == count == 6
