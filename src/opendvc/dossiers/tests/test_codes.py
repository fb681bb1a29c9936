from __future__ import annotations

import re
import threading
from datetime import date, datetime

import pytest
import time_machine

from opendvc.dossiers import codes, services
from opendvc.dossiers.models import DailyCounter, Dossier
from opendvc.worktime import VN_TZ

from .conftest import submitted_dossier


def test_format_matches_the_domain_example():
    assert codes.format_code(agency_code="000.00.32.H19", day=date(2021, 7, 8), seq=32) == "000.00.32.H19-210708-0032"


def test_format_is_a_setting(settings):
    settings.DOSSIER_CODE_FORMAT = "{agency}/{date:%Y}/{seq:06d}"
    assert codes.format_code(agency_code="000.00.32.H19", day=date(2026, 1, 2), seq=7) == "000.00.32.H19/2026/000007"


def test_sequence_per_agency_and_local_day(procedure, citizen, justice):
    # The day is the local (Hồ Chí Minh) day: 00:05 on 11 March local is still 10 March in UTC.
    with time_machine.travel(datetime(2026, 3, 10, 6, 30, tzinfo=VN_TZ), tick=False):
        a = submitted_dossier(procedure, citizen)
        b = submitted_dossier(procedure, citizen)
    with time_machine.travel(datetime(2026, 3, 11, 0, 5, tzinfo=VN_TZ), tick=False):
        c = submitted_dossier(procedure, citizen)
    assert a.code == "000.00.32.H19-260310-0001"
    assert b.code == "000.00.32.H19-260310-0002"
    assert c.code == "000.00.32.H19-260311-0001"


def test_failed_submission_leaves_a_gap_not_a_duplicate(procedure, citizen, justice, monkeypatch):
    first = submitted_dossier(procedure, citizen)
    from opendvc.dossiers import services as s

    def boom(*args, **kwargs):
        raise RuntimeError("mất kết nối giữa chừng")

    d = s.dossier_create_draft(applicant=citizen, procedure=procedure, receiving_agency=justice, actor=citizen)
    comps = list(procedure.components.filter(required=True))
    from .conftest import checked_pdf

    s.dossier_update_draft(dossier=d, actor=citizen, add_files=[(c, checked_pdf()) for c in comps])
    from opendvc.dossiers.services.transitions import DossierMachine

    # The notice is queued last in the transaction: failing there rolls back the allocated code too.
    monkeypatch.setattr(DossierMachine, "notify", boom)
    with pytest.raises(RuntimeError):
        s.dossier_act(dossier=d, action="submit", actor=citizen, declaration=True)
    monkeypatch.undo()
    assert Dossier.objects.get(pk=d.pk).code is None
    second = submitted_dossier(procedure, citizen)
    seq = lambda code: int(code.rsplit("-", 1)[1])  # noqa: E731
    assert seq(second.code) > seq(first.code)
    assert Dossier.objects.filter(code=second.code).count() == 1


def test_lookup_keys_are_hashed_and_compared_in_constant_time():
    key = codes.new_lookup_key()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", key)
    h = codes.hash_lookup_key(key)
    assert codes.key_matches(stored_hash=h, key=key.lower())
    assert not codes.key_matches(stored_hash=h, key="AAAAAAAA")
    assert not codes.key_matches(stored_hash="", key=key)


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_submissions_to_one_agency_get_distinct_codes(postgres_db, procedure, justice):
    from opendvc.accounts.tests.factories import UserFactory

    from .conftest import checked_pdf

    people = [UserFactory() for _ in range(50)]
    drafts = []
    comps = list(procedure.components.filter(required=True))
    for person in people:
        d = services.dossier_create_draft(applicant=person, procedure=procedure, receiving_agency=justice, actor=person)
        services.dossier_update_draft(dossier=d, actor=person, add_files=[(c, checked_pdf()) for c in comps])
        drafts.append((d, person))
    barrier = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def run(d, person):
        from django.db import connection

        try:
            barrier.wait()
            services.dossier_act(dossier=d, action="submit", actor=person, declaration=True)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = list(Dossier.objects.filter(pk__in=[d.pk for d, _ in drafts]).values_list("code", flat=True))
    assert len(set(got)) == 50 and None not in got
    assert sorted(int(c.rsplit("-", 1)[1]) for c in got) == list(range(1, 51))
    assert all(c.startswith("000.00.32.H19-") for c in got)
    assert DailyCounter.objects.get(agency=justice).last == 50
