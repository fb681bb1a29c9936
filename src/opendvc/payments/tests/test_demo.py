import pytest


@pytest.mark.django_db
def test_demo_citizen_has_a_level_4_dossier_to_pay_online(client, settings):
    from opendvc.accounts import demo as accounts_demo
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.dossiers import demo as dossiers_demo
    from opendvc.dossiers.models import Dossier
    from opendvc.eforms import demo as eforms_demo
    from opendvc.payments import demo

    agencies_demo.seed()
    accounts_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    dossiers_demo.seed()
    demo.seed()
    demo.seed()
    (d,) = Dossier.objects.filter(status="payment_required")
    assert d.procedure.level >= 4 and d.procedure.agencies.filter(pk=d.receiving_agency_id).exists()
    assert d.procedure.is_synthetic or not d.procedure.code.startswith("SYN-")
    client.force_login(d.applicant)
    # No gateway configured: the page does not promise an online payment it cannot take.
    settings.VNPAY_URL = settings.PAYGOV_URL = ""
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "thanh toán trực tuyến;" not in page and "hoặc qua bưu chính" in page
    settings.VNPAY_URL, settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = (
        "http://127.0.0.1:18401",
        "T",
        "s",
    )
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert 'value="vnpay"' in page and "thanh toán trực tuyến;" in page
