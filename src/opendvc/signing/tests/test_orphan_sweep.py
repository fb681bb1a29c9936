"""An approval that fails after its result was signed leaves the signed copy in the storage with no
row naming it (the file cannot be part of the transaction): the orphan sweep removes it, and only it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from opendvc.core.orphans import orphan_files_sweep
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import Dossier, DossierDocument, DossierFile
from opendvc.signing.models import SignedDocument

from .conftest import configure_agency, in_processing

pytestmark = pytest.mark.django_db


def _stored(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_the_signed_copy_of_a_failed_approval_is_swept(
    trust, procedure, citizen, officer, leader, justice, monkeypatch, settings
):
    _sim, _ca, paths = trust
    configure_agency(justice, paths)
    d = in_processing(procedure, citizen, officer)
    before = _stored(settings)

    def refused(**_kwargs):
        raise IntegrityError("the database refused the signature's row")

    # The result is rendered and signed (its signed copy stored), then the database fails.
    monkeypatch.setattr(SignedDocument.objects, "create", refused)
    with pytest.raises(IntegrityError):
        dossier_services.dossier_act_with_files(
            dossier=Dossier.objects.get(pk=d.pk), action="approve", actor=leader, files=[],
            files_input="result_files", result="Giấy khai sinh",
        )
    monkeypatch.undo()
    assert Dossier.objects.get(pk=d.pk).status == d.status
    left = _stored(settings) - before
    assert left and all(n.startswith("dossiers/documents/") for n in left)

    named = set(DossierFile.objects.values_list("file", flat=True))
    named |= set(DossierDocument.objects.values_list("file", flat=True))
    assert named and named <= before

    # Removed: the signed copy, and here the unsigned renderings of earlier documents too (their
    # removal waits for a commit that the test's transaction never makes) — never a file a row names.
    removed = []
    orphan_files_sweep(
        older_than=timezone.now() + timedelta(seconds=5), found=lambda n, _at: removed.append(n)
    )
    assert left <= set(removed) and not set(removed) & named
    assert _stored(settings) == before - set(removed)
    assert named <= _stored(settings)
