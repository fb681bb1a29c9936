"""Dossiers returned online under the former rule (at the applicant's first download) are brought in
line with the rule of issuance (Regulation QĐ 31/2020/QĐ-UBND Art. 6.4): the return is the moment the
result was issued — the approval — and the on-time class is taken at that moment. Used by the data
migration ``0002_online_return_at_issuance`` with the historical models; idempotent.

* returned online: ``finished_at`` = the approval's instant, the class recomputed from it (the history
  keeps its original lines, append-only; the dossier's fields change);
* waiting at ``result_ready`` with an online return (channel online or national portal, level 4):
  returned now as of the approval — a ``return_result`` history line by the system, marked
  ``migrated``, open steps closed;
* every result of a dossier at ``result_ready`` or ``returned`` is placed in its applicant's store.
  Without its size: that is read from the storage (a request per object on S3), which a migration
  run during a deploy must not do; ``manage.py vault_fill_sizes``, run once after upgrading, records
  it (``services.document_sizes_fill``).
"""

from __future__ import annotations

from django.utils import timezone

from opendvc.worktime import timeliness

ONLINE_CHANNELS = ("online", "national_portal")
FULL_LEVEL = 4


def _approval_at(Event, dossier_id):
    ev = (
        Event.objects.filter(dossier_id=dossier_id, action="approve").order_by("-at", "-pk").first()
    )
    return ev.at if ev is not None else None


def run(apps, schema_editor=None) -> dict[str, int]:
    Dossier = apps.get_model("dossiers", "Dossier")
    Event = apps.get_model("dossiers", "DossierEvent")
    Document = apps.get_model("dossiers", "DossierDocument")
    Stored = apps.get_model("vault", "StoredDocument")
    StepRun = apps.get_model("workflow", "StepRun")
    counts = {"returned_fixed": 0, "issued": 0, "stored": 0}

    returned_online = Event.objects.filter(
        action="return_result", data__method="online"
    ).values_list("dossier_id", flat=True)
    for d in Dossier.objects.filter(pk__in=list(returned_online), status="returned"):
        at = _approval_at(Event, d.pk)
        if at is None or d.finished_at == at:
            continue
        d.finished_at = at
        d.on_time_class = timeliness(done_at=at, due_at=d.due_at) if d.due_at else ""
        d.save(update_fields=["finished_at", "on_time_class"])
        counts["returned_fixed"] += 1

    waiting = Dossier.objects.filter(
        status="result_ready", channel__in=ONLINE_CHANNELS, procedure__level__gte=FULL_LEVEL
    ).select_related("applicant")
    for d in waiting:
        at = _approval_at(Event, d.pk)
        if at is None or not Document.objects.filter(dossier_id=d.pk, kind="result").exists():
            continue
        cls = timeliness(done_at=at, due_at=d.due_at) if d.due_at else ""
        Event.objects.create(
            dossier_id=d.pk,
            at=at,
            actor=None,
            actor_label="Hệ thống",
            actor_role="system",
            action="return_result",
            from_state="result_ready",
            to_state="returned",
            data={
                "method": "online",
                "delivered_to": d.applicant.full_name or "",
                "on_time_class": cls,
                "migrated": True,
                "recorded_at": timezone.now().isoformat(),
            },
        )
        StepRun.objects.filter(dossier_id=d.pk, left_at__isnull=True).update(left_at=at)
        d.status, d.finished_at, d.on_time_class, d.version = "returned", at, cls, d.version + 1
        d.save(update_fields=["status", "finished_at", "on_time_class", "version"])
        counts["issued"] += 1

    for doc in Document.objects.filter(
        kind="result", dossier__status__in=("result_ready", "returned")
    ).select_related("dossier__applicant", "dossier__receiving_agency"):
        if Stored.objects.filter(dossier_document_id=doc.pk).exists():
            continue
        d = doc.dossier
        Stored.objects.create(
            owner_id=d.applicant_id,
            organisation_id=d.acting_for_id,
            source="result",
            document_type="Kết quả giải quyết",
            title=f"Kết quả giải quyết — {d.code or ''}"[:300],
            issuer=d.receiving_agency.name[:300],
            number=(d.code or "")[:100],
            issued_on=timezone.localtime(doc.created_at).date(),
            original_name=f"result-{d.code or d.public_id}.pdf",
            sha256=doc.sha256,
            size=0,  # recorded by ``vault_fill_sizes`` after the upgrade (above)
            content_type="application/pdf",
            dossier_document_id=doc.pk,
        )
        counts["stored"] += 1
    return counts
