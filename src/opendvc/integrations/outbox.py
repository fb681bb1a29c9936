"""The outbox's services: writing a message in the business transaction, the relay that delivers it,
and what the ICT department does with the ledger (replay, pause).

The relay (``outbox_relay``) claims due deliveries in a short transaction —
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several relays (Celery workers, cron) share
the work without taking the same row; on SQLite a conditional update claims them (SQLite writes one
at a time) — marks them ``delivering`` with a lease, sends them outside any transaction, and records
each outcome: ``delivered`` with the peer's answer, or ``failed`` with the error and the next attempt
after a capped exponential backoff with jitter (never sooner than a ``Retry-After`` the peer sent,
within the cap); ``dead`` once the message is older than
``OUTBOX_DEAD_AFTER_SECONDS`` (counted again from a replay by hand or the destination's resume:
``retry_from``). A relay killed mid-batch leaves ``delivering`` rows whose lease runs
out; they are claimed again and sent with the same message id (the peer applies it once).

A peer that answers 429 (too many requests) or 503 (overloaded) with ``Retry-After`` speaks for all
it receives, not for one message: its destination is held until then (within the backoff's cap, as
the one delivery's wait), kept on ``Destination.held_until`` so that every relay, in any process,
claims none of its deliveries before that time; the relay's other sends to it in the same batch are
not made (released, unsent). Other destinations keep flowing. The hold ends by itself at its time, or
sooner when the peer accepts a delivery sent again by hand after the hold began (``delivery_replay``:
the ICT department's way to try the peer before then). It is not the operator's pause
(``destination_pause``), which lasts until resumed. A ``Retry-After`` the relay cannot read (neither
seconds nor an HTTP date) holds nothing: the backoff alone applies.

Per-key ordering: a delivery is claimed only when no earlier delivery of the same destination and
``ordering_key`` is still open (pending, delivering or failed), so a dossier's progress never
overtakes the dossier itself. A dead delivery no longer holds the ones after it. With each key's first
open delivery the relay also claims the due ones after it (``OUTBOX_CHAIN_LENGTH``) and one thread sends
them in order, stopping at the first failure (the rest are released, unsent).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.audit.services import audit_record
from opendvc.core.problems import ProblemError
from opendvc.dossiers.models import Dossier
from opendvc.feedback.models import Feedback

from .models import Delivery, Destination, Message
from .transport import SENDER_NAMES, DeliveryError, describe, sender_for, storable

logger = logging.getLogger(__name__)

OPEN = (Delivery.Status.PENDING, Delivery.Status.DELIVERING, Delivery.Status.FAILED)
# The answers whose Retry-After holds the whole destination (RFC 9110 §15.6.4, RFC 6585 §4): the peer
# is overloaded or limits our rate, whichever message we send.
HOLDING_STATUSES = (429, 503)


def outbox_enqueue(
    *,
    kind: str,
    payload: dict[str, Any],
    destinations: list[str] | tuple[str, ...],
    ordering_key: str = "",
    now: datetime | None = None,
) -> Message:
    """Write a message and its deliveries. Call it inside the transaction of the change it reports:
    the message exists exactly when the change does."""
    if not destinations:
        raise ValueError("a message needs at least one destination")
    now = now or timezone.now()
    message = Message.objects.create(
        kind=kind, payload=payload, ordering_key=ordering_key, created_at=now
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                message=message,
                destination=d,
                ordering_key=ordering_key,
                next_attempt_at=now,
                created_at=now,
            )
            for d in destinations
        ]
    )
    return message


def backoff_seconds(attempts: int) -> float:
    """Capped exponential backoff with jitter: base·2^(n−1), at most the cap, times a random factor in
    [0.5, 1] so relays that failed together do not retry together."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    cap = settings.OUTBOX_BACKOFF_CAP_SECONDS
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def relay_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def paused_destinations() -> set[str]:
    return set(Destination.objects.filter(paused=True).values_list("code", flat=True))


def held_destinations(now: datetime | None = None) -> dict[str, datetime]:
    """The destinations whose peer asked us to wait (``Retry-After``), with until when; a hold whose
    time has passed is over (it needs no clearing)."""
    return dict(
        Destination.objects.filter(held_until__gt=now or timezone.now()).values_list(
            "code", "held_until"
        )
    )


# -- claiming ------------------------------------------------------------------------------------------

_ELIGIBLE = """
    (d.status IN ('pending', 'failed') AND d.next_attempt_at <= %(now)s)
    OR (d.status = 'delivering' AND d.lease_until <= %(now)s)
"""
_NOT_BEHIND = """
    NOT EXISTS (
        SELECT 1 FROM integrations_delivery e
        WHERE d.ordering_key <> '' AND e.destination = d.destination AND e.ordering_key = d.ordering_key
          AND e.id < d.id AND e.status IN ('pending', 'delivering', 'failed')
    )
"""
# A held destination is left until ``held_until``, except what was sent again by hand after the hold
# began: ``delivery_replay`` sets ``retry_from`` and ``next_attempt_at`` to the same instant (a resume
# after a pause sets only ``retry_from``; a failure moves ``next_attempt_at``).
_NOT_HELD = """
    NOT EXISTS (
        SELECT 1 FROM integrations_destination h
        WHERE h.code = d.destination AND h.held_until > %(now)s
          AND (d.retry_from IS NULL OR d.retry_from <> d.next_attempt_at OR d.retry_from < h.held_at)
    )
"""


def _take(rows, *, lease: datetime, token: uuid.UUID) -> int:
    """Mark ``rows`` as being delivered by this relay's batch (``token``) until ``lease``."""
    return rows.update(
        status=Delivery.Status.DELIVERING,
        lease_until=lease,
        claim_token=token,
        claimed_by=relay_id(),
    )


def _claim(
    *, limit: int, now: datetime, token: uuid.UUID, destinations: list[str] | None
) -> list[int]:
    lease = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    params: dict[str, Any] = {"now": now, "limit": limit}
    where = [f"({_ELIGIBLE})", _NOT_BEHIND, _NOT_HELD]
    paused = paused_destinations()
    if paused:
        where.append(f"d.destination NOT IN ({', '.join(f'%(p{i})s' for i in range(len(paused)))})")
        params.update({f"p{i}": code for i, code in enumerate(sorted(paused))})
    if destinations:
        where.append(
            f"d.destination IN ({', '.join(f'%(d{i})s' for i in range(len(destinations)))})"
        )
        params.update({f"d{i}": code for i, code in enumerate(destinations)})
    select = f"SELECT d.id FROM integrations_delivery d WHERE {' AND '.join(where)} ORDER BY d.id LIMIT %(limit)s"  # noqa: S608 - fixed clauses, values as parameters
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(select + " FOR UPDATE SKIP LOCKED", params)
            ids = [row[0] for row in cursor.fetchall()]
            if ids:
                _take(Delivery.objects.filter(pk__in=ids), lease=lease, token=token)
                ids += _claim_followers(ids, now=now, lease=lease, token=token)
            return ids
        # SQLite: the update re-checks eligibility, so of two relays that read the same ids only one
        # takes each row (writes are serialised); the claimed rows are those carrying our token.
        cursor.execute(select, params)
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return []
        _take(
            Delivery.objects.filter(pk__in=ids).filter(
                Q(
                    status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
                    next_attempt_at__lte=now,
                )
                | Q(status=Delivery.Status.DELIVERING, lease_until__lte=now)
            ),
            lease=lease,
            token=token,
        )
        ids = list(
            Delivery.objects.filter(pk__in=ids, claim_token=token).values_list("pk", flat=True)
        )
        return ids + _claim_followers(ids, now=now, lease=lease, token=token) if ids else ids


def _claim_followers(
    heads: list[int], *, now: datetime, lease: datetime, token: uuid.UUID
) -> list[int]:
    """After the heads of some keys are claimed (in the same transaction), claim the deliveries that
    follow each head in its key, up to ``OUTBOX_CHAIN_LENGTH`` per key, stopping at the first one not
    yet due: they are sent one after the other, in order, by the thread that sends the head. No other
    relay can claim them meanwhile (their head is open)."""
    chain = settings.OUTBOX_CHAIN_LENGTH
    if chain <= 1:
        return []
    keyed = list(
        Delivery.objects.filter(pk__in=heads)
        .exclude(ordering_key="")
        .values_list("pk", "destination", "ordering_key")
    )
    if not keyed:
        return []
    # Due as the heads are (``_ELIGIBLE``, ``_NOT_HELD``): a head sent again by hand goes to its held
    # destination, the deliveries after it do not.
    params: dict[str, Any] = {"now": now}
    after = []
    for i, (pk, destination, key) in enumerate(keyed):
        after.append(
            f"(d.destination = %(d{i})s AND d.ordering_key = %(k{i})s AND d.id > %(i{i})s)"
        )
        params.update({f"d{i}": destination, f"k{i}": key, f"i{i}": pk})
    select = (
        "SELECT d.id, d.destination, d.ordering_key,"  # noqa: S608 - fixed clauses, values as parameters
        f" CASE WHEN ({_ELIGIBLE}) AND {_NOT_HELD} THEN 1 ELSE 0 END"
        " FROM integrations_delivery d"
        f" WHERE ({' OR '.join(after)}) AND d.status IN ('pending', 'delivering', 'failed')"
        " ORDER BY d.id"
    )
    if connection.vendor == "postgresql":
        select += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        rows = cursor.fetchall()
    taken: dict[tuple[str, str], int] = {}
    stopped: set[tuple[str, str]] = set()
    chosen: list[int] = []
    for pk, destination, key, due in rows:
        group = (destination, key)
        if group in stopped:
            continue
        if not due or taken.get(group, 1) >= chain:
            stopped.add(group)
            continue
        taken[group] = taken.get(group, 1) + 1
        chosen.append(pk)
    if chosen:
        _take(Delivery.objects.filter(pk__in=chosen), lease=lease, token=token)
    return chosen


# -- sending and recording -------------------------------------------------------------------------------


@dataclass
class RelayResult:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: RelayResult) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.failed += other.failed
        self.dead += other.dead
        self.released += other.released
        self.errors += other.errors[:5]

    def as_dict(self) -> dict[str, int]:
        return {
            "claimed": self.claimed,
            "delivered": self.delivered,
            "failed": self.failed,
            "dead": self.dead,
        }


# An outcome: (delivery, the peer's answer, the error, how long the peer asked us to wait, whether
# that wait holds the whole destination); error ``None`` = not sent (released: an earlier delivery of
# its key failed, or its peer asked to wait, in this batch).
Outcome = tuple[Delivery, dict[str, Any] | None, str | None, float | None, bool]


def _hold_seconds(wait: float | None) -> float:
    """How long a peer's ``Retry-After`` is honoured: within the backoff's cap (a peer asking for a
    day is asked again at the cap)."""
    return min(wait or 0.0, settings.OUTBOX_BACKOFF_CAP_SECONDS)


def _send(delivery: Delivery) -> Outcome:
    message = delivery.message
    try:
        answer = sender_for(delivery.destination).send(
            message_id=str(message.message_id), kind=message.kind, payload=message.payload
        )
        return delivery, answer, "", None, False
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the ledger and retried
        wait = getattr(exc, "retry_after", None)
        holds = getattr(exc, "status", None) in HOLDING_STATUSES and _hold_seconds(wait) > 0
        return delivery, None, describe(exc), wait, holds


def _send_chain(chain: list[Delivery], held: set[str]) -> list[Outcome]:
    """Send one key's deliveries in order; after a failure the rest are released, not sent. ``held``
    (shared by the batch's threads): the destinations whose peer asked, in this batch, to wait — what
    is still to send to them is released, not sent."""
    outcomes: list[Outcome] = []
    for index, delivery in enumerate(chain):
        if delivery.destination in held:
            outcomes += [(rest, None, None, None, False) for rest in chain[index:]]
            break
        outcome = _send(delivery)
        outcomes.append(outcome)
        if outcome[4]:
            held.add(delivery.destination)
        if outcome[2]:
            outcomes += [(rest, None, None, None, False) for rest in chain[index + 1 :]]
            break
    return outcomes


def _chains(deliveries: list[Delivery]) -> list[list[Delivery]]:
    groups: dict[tuple[str, str], list[Delivery]] = {}
    loose: list[list[Delivery]] = []
    for delivery in deliveries:  # in id order
        if delivery.ordering_key:
            groups.setdefault((delivery.destination, delivery.ordering_key), []).append(delivery)
        else:
            loose.append([delivery])
    return [*groups.values(), *loose]


def _prepare(destinations: set[str]) -> None:
    """Let each sender read what it needs from the database (mapping tables) on this thread: the
    sending threads never touch the database."""
    for destination in destinations:
        try:
            prepare = getattr(sender_for(destination), "prepare", None)
            if prepare is not None:
                prepare()
        except DeliveryError:
            pass  # the send fails with the same reason and is recorded


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(
            max_workers=settings.OUTBOX_CONCURRENCY, thread_name_prefix="outbox"
        )
    return _POOL


def outbox_relay_once(
    *, limit: int | None = None, destinations: list[str] | None = None
) -> RelayResult:
    """Claim up to ``limit`` due deliveries (and the ones that follow each in its key), send them
    (several keys at once, each key's in order) and record each outcome."""
    limit = limit or settings.OUTBOX_BATCH_SIZE
    token = uuid.uuid4()
    now = timezone.now()
    ids = _claim(limit=limit, now=now, token=token, destinations=destinations)
    result = RelayResult(claimed=len(ids))
    if not ids:
        return result
    deliveries = list(Delivery.objects.filter(pk__in=ids).select_related("message").order_by("pk"))
    _prepare({d.destination for d in deliveries})
    chains = _chains(deliveries)
    held: set[str] = set()
    outcomes = [
        o
        for chain_outcomes in (
            _pool().map(partial(_send_chain, held=held), chains)
            if len(chains) > 1
            else [_send_chain(chains[0], held)]
        )
        for o in chain_outcomes
    ]
    done = timezone.now()
    dead_before = done - timedelta(seconds=settings.OUTBOX_DEAD_AFTER_SECONDS)
    delivered: dict[str, list[int]] = {}
    released: list[int] = []
    failed: list[tuple[Delivery, str, float | None]] = []
    accepted_by: set[str] = set()
    # The longest wait each held destination's peer asked for in this batch.
    holds: dict[str, float] = {}
    # What a peer answered is kept as the database can keep it: a NUL byte in an error page failed
    # the whole batch's record, so every delivery in it was sent again at each lease's end.
    for delivery, answer, error, wait, holds_destination in outcomes:
        if error is None:
            released.append(delivery.pk)
        elif not error:
            delivered.setdefault(json.dumps(storable(answer), sort_keys=True), []).append(
                delivery.pk
            )
            accepted_by.add(delivery.destination)
        else:
            failed.append((delivery, storable(error), wait))
            if holds_destination:
                holds[delivery.destination] = max(
                    holds.get(delivery.destination, 0.0), _hold_seconds(wait)
                )
    # One UPDATE per distinct answer (peers mostly answer the same); each only touches rows still
    # carrying our token (a row whose lease ran out may have been claimed by another relay).
    mine = Delivery.objects.filter(claim_token=token)
    cleared = {"lease_until": None, "claim_token": None}
    with transaction.atomic():
        for answer_json, pks in delivered.items():
            result.delivered += mine.filter(pk__in=pks).update(
                status=Delivery.Status.DELIVERED,
                delivered_at=done,
                answer=json.loads(answer_json),
                attempts=F("attempts") + 1,
                **cleared,
            )
        if released:
            result.released += mine.filter(pk__in=released).update(
                status=Delivery.Status.PENDING, **cleared
            )
        for delivery, error, wait in failed:
            attempts = delivery.attempts + 1
            if (delivery.retry_from or delivery.message.created_at) <= dead_before:
                changes = {"status": Delivery.Status.DEAD}
                logger.error(
                    "Outbox: %s to %s is dead after %s attempts: %s",
                    delivery.message.message_id,
                    delivery.destination,
                    attempts,
                    error,
                )
            else:
                # Not sooner than the peer asked (Retry-After), within the backoff's cap.
                delay = max(backoff_seconds(attempts), _hold_seconds(wait))
                changes = {
                    "status": Delivery.Status.FAILED,
                    "next_attempt_at": done + timedelta(seconds=delay),
                }
                logger.warning(
                    "Outbox: %s to %s failed (attempt %s): %s",
                    delivery.message.message_id,
                    delivery.destination,
                    attempts,
                    error,
                )
            if mine.filter(pk=delivery.pk).update(
                attempts=F("attempts") + 1,
                last_error=error[:2000],
                last_error_at=done,
                **changes,
                **cleared,
            ):
                if changes["status"] == Delivery.Status.DEAD:
                    result.dead += 1
                else:
                    result.failed += 1
                result.errors.append(error)
        if accepted_by:
            # The peer took a message sent while it was held (sent again by hand): the hold is over.
            # One that began after this batch was claimed stays: the peer asked to wait after it
            # took what we sent before.
            Destination.objects.filter(
                code__in=accepted_by, held_until__isnull=False, held_at__lte=now
            ).update(held_until=None, held_at=None)
        for code, seconds in holds.items():
            _destination_hold(code, until=done + timedelta(seconds=seconds), at=done)
    return result


def _destination_hold(code: str, *, until: datetime, at: datetime) -> None:
    """Hold ``code`` until ``until`` (its peer asked to wait); a longer hold already set stays."""
    Destination.objects.get_or_create(code=code)
    if (
        Destination.objects.filter(code=code)
        .filter(Q(held_until__isnull=True) | Q(held_until__lt=until))
        .update(held_until=until, held_at=at)
    ):
        logger.warning("Outbox: %s asked to wait; nothing is sent to it before %s", code, until)


def outbox_relay(
    *,
    budget_seconds: float | None = None,
    limit: int | None = None,
    destinations: list[str] | None = None,
) -> RelayResult:
    """Relay batches until nothing is due or ``budget_seconds`` have passed."""
    budget = settings.OUTBOX_RELAY_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    total = RelayResult()
    while True:
        batch = outbox_relay_once(limit=limit, destinations=destinations)
        total.add(batch)
        if not batch.claimed or time.monotonic() - started >= budget:
            return total


# -- the ICT department's tools ------------------------------------------------------------------------


def delivery_replay(*, ids: list[int], actor, request=None) -> int:
    """Send failed or dead deliveries again now (delivered ones are not sent twice). Returns how many."""
    with transaction.atomic():
        rows = Delivery.objects.select_for_update().filter(
            pk__in=ids, status__in=[Delivery.Status.FAILED, Delivery.Status.DEAD]
        )
        now = timezone.now()
        # A new window of retries: it died at its first failure again when counted from the message.
        count = rows.update(status=Delivery.Status.PENDING, next_attempt_at=now, retry_from=now)
        if count:
            audit_record(
                actor=actor,
                action="integrations.replay",
                target=None,
                changes={"deliveries": sorted(ids)[:200], "count": count},
                request=request,
            )
    return count


def destination_known(code: str) -> bool:
    """A destination the portal sends to: one with a sender (``national``, ``onestop``, ``sms``), or
    one already in the outbox (``govfeedback:<system>``, named by its deliveries)."""
    return (
        code in SENDER_NAMES
        or Destination.objects.filter(code=code).exists()
        or Delivery.objects.filter(destination=code).exists()
    )


def destination_filter_check(code: str) -> None:
    """Refuse a destination to filter by that the portal does not send to (``validation_error``, 422,
    naming ``destination``): a misspelt one answered an empty list of failures, read as "nothing
    failed"."""
    if code and (len(code) > 60 or not destination_known(code)):
        message = _("Không có nơi nhận “%(code)s”; dùng một trong: %(known)s.") % {
            "code": code[:60],
            "known": ", ".join(sorted(SENDER_NAMES)),
        }
        raise ProblemError(
            "validation_error",
            message,
            extra={"errors": [{"path": "destination", "message": message}]},
        )


def destination_pause(*, code: str, paused: bool, actor, request=None) -> Destination:
    """Pause or resume a destination: the relay leaves a paused destination's deliveries waiting."""
    if not code or len(code) > 60:
        raise ProblemError(
            "validation_error",
            _("Nơi nhận không hợp lệ."),
            extra={"errors": [{"path": "destination", "message": _("Chọn một nơi nhận.")}]},
        )
    if not destination_known(code):
        # Only a peer the portal sends to: any code used to make a destination of its own, listed
        # on the monitoring page ("zzz", a right-to-left override and an emoji).
        raise ProblemError(
            "not_found",
            _("Không có nơi nhận “%(code)s”.") % {"code": code[:60]},
            status=404,
        )
    with transaction.atomic():
        dest, _created = Destination.objects.select_for_update().get_or_create(code=code)
        resumed = dest.paused and not paused
        dest.paused = paused
        dest.paused_at = timezone.now() if paused else None
        dest.paused_by = actor if paused else None
        dest.save()
        if resumed:
            # The time paused does not count against the window of retries of what it held.
            Delivery.objects.filter(destination=code, status__in=OPEN).update(
                retry_from=timezone.now()
            )
        audit_record(
            actor=actor,
            action="integrations.pause" if paused else "integrations.resume",
            target=dest,
            changes={"paused": paused},
            request=request,
        )
    return dest


def backlog() -> list[dict[str, Any]]:
    """Per destination: how many deliveries in each state, the oldest open one, whether paused and
    until when its peer asked us to wait (``held_until``, ``None`` when not held)."""
    rows: dict[str, dict[str, Any]] = {}
    for item in Delivery.objects.values("destination", "status").annotate(n=Count("id")):
        row = rows.setdefault(
            item["destination"],
            {"destination": item["destination"], **dict.fromkeys(Delivery.Status.values, 0)},
        )
        row[item["status"]] = item["n"]
    oldest = dict(
        Delivery.objects.filter(status__in=OPEN)
        .values_list("destination")
        .annotate(o=Min("created_at"))
        .values_list("destination", "o")
    )
    paused = paused_destinations()
    held = held_destinations()
    for code in paused | held.keys():
        rows.setdefault(code, {"destination": code, **dict.fromkeys(Delivery.Status.values, 0)})
    for code, row in rows.items():
        row["oldest_open_at"] = oldest.get(code)
        row["paused"] = code in paused
        row["held_until"] = held.get(code)
        row["backlog"] = sum(row[s] for s in OPEN)
        row["label"] = destination_label(code)
    return [rows[k] for k in sorted(rows)]


# What each kind of message is, in the words of the people who watch the outbox.
KIND_LABELS = {
    "national.DongBoHoSoMC": gettext_lazy("Đồng bộ hồ sơ lên Cổng DVC quốc gia"),
    "national.CapNhatTienDoHoSoMC": gettext_lazy("Cập nhật tiến độ hồ sơ lên Cổng DVC quốc gia"),
    "onestop.TiepNhanHoSo": gettext_lazy("Chuyển hồ sơ sang phần mềm một cửa"),
    "govfeedback.TraLoiPAKN": gettext_lazy("Trả lời phản ánh, kiến nghị lên hệ thống quốc gia"),
    "sms.send": gettext_lazy("Tin nhắn SMS"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


# The peers, by name (a destination or the sender of an inbound request).
DESTINATION_LABELS = {
    "national": gettext_lazy("Cổng Dịch vụ công quốc gia"),
    "onestop": gettext_lazy("Phần mềm một cửa điện tử của tỉnh"),
    "sms": gettext_lazy("Nhà cung cấp dịch vụ SMS"),
    "postal": gettext_lazy("Bưu điện (cập nhật hành trình bưu gửi)"),
    "govfeedback:nguoidan": gettext_lazy("Hệ thống nguoidan.chinhphu.vn"),
    "govfeedback:doanhnghiep": gettext_lazy("Hệ thống doanhnghiep.chinhphu.vn"),
}


def destination_label(code: str) -> str:
    """A destination's (or a peer's) name for the people who watch the outbox; the code itself for
    one the portal has no name of."""
    return str(DESTINATION_LABELS.get(code, code))


def failures(*, destination: str = "", limit: int = 100) -> list[Delivery]:
    """The latest failed or given-up deliveries, newest first, each with ``kind_label`` and
    ``subject`` (the dossier's or feedback's code its message is about, read from the ordering key;
    empty for a message about no one record, as a text message)."""
    qs = Delivery.objects.filter(
        status__in=[Delivery.Status.FAILED, Delivery.Status.DEAD]
    ).select_related("message")
    if destination:
        qs = qs.filter(destination=destination)
    rows = list(qs.order_by("-last_error_at", "-pk")[:limit])
    # The record each message is about, from its ordering key ("dossier:<pk>", "feedback:<pk>").
    about: list[tuple[str, int | None]] = []
    for d in rows:
        kind, _sep, pk = (d.message.ordering_key or "").partition(":")
        about.append((kind, int(pk) if pk.isdigit() else None))
    codes = {
        kind: dict(
            model.objects.filter(pk__in={pk for k, pk in about if k == kind and pk})
            .values_list("pk", "code")
        )
        for kind, model in (("dossier", Dossier), ("feedback", Feedback))
    }
    for d, (kind, pk) in zip(rows, about, strict=True):
        d.kind_label = kind_label(d.message.kind)
        d.destination_label = destination_label(d.destination)
        d.subject = codes.get(kind, {}).get(pk) or ""
    return rows
