"""The demo: the citizen's birth bundle filed once at the ward, received, parts opened; idempotent."""

from __future__ import annotations

from opendvc.linked.models import LinkedDossier, Part, PartState


def test_demo_files_the_birth_bundle_once(bundles, django_capture_on_commit_callbacks):
    from opendvc.accounts import demo as accounts_demo
    from opendvc.linked import demo

    accounts_demo.seed()
    # The parts open when the intake commits (``receivers``).
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    demo.seed()
    linked = LinkedDossier.objects.select_related("dossier").get()
    dossier = linked.dossier
    assert dossier.procedure.code == "2.000986" and dossier.status == "processing" and dossier.code
    assert dossier.form_data["child_name"] == "Nguyễn Bảo Nam"
    parts = {
        p.member.key: p.status
        for p in Part.objects.filter(dossier=dossier).select_related("member")
    }
    assert parts == {
        "khai-sinh": PartState.HANDED_OFF,
        "thuong-tru": PartState.WAITING,
        "bhyt": PartState.WAITING,
    }
