"""The log of peers' requests (``InboundMessage``): how a body is kept, the refusals decided before
a webhook's handler (by the checks every API request goes through) written to it, how many refusals
of one address are written, and how long refused ones are kept."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db.models import Q, QuerySet

from opendvc.core.ratelimit import ratelimit_log_allowed
from opendvc.core.retention import PURGE_BATCH_SIZE, expired_rows_purge

from .models import InboundMessage

logger = logging.getLogger(__name__)

# The most of a body the log keeps (characters).
MAX_LOGGED_BODY = 20000


def body_text(body: bytes) -> str:
    """The body as logged: text (bytes that are not UTF-8 replaced), a NUL byte written as ``\\u0000``
    (PostgreSQL keeps no NUL in text), at most 20 000 characters."""
    return body.decode(errors="replace").replace("\x00", "\\u0000")[:MAX_LOGGED_BODY]


def refusal_loggable(client: str) -> bool:
    """Whether a refused request from ``client`` (its address) that the peer did not sign is written
    to the log: at most ``RATE_LIMIT_INBOUND_REFUSALS_LOGGED`` per window
    (``…_WINDOW_SECONDS``, a minute) per address. Past it the request is answered as before and only
    counted: anyone can send to a webhook's address, and a flood from one address would otherwise add
    a row per request until the retention job runs (``core.ratelimit.ratelimit_log_allowed``)."""
    return ratelimit_log_allowed(
        name="inbound_refusals_logged", ident=client, what="Refused requests to the peers' webhooks"
    )


def inbound_refusal_log(
    sender,
    *,
    peer: str,
    code: str,
    detail: str,
    body: bytes,
    client: str = "",
    signed: bool = False,
    **kwargs,
) -> None:
    """Log a request to ``peer``'s webhook refused before its handler (``core.middleware``'s
    ``inbound_refused``): wrong content type, a body too large (not kept) or not readable as JSON, a
    signature the API's authentication refused… The peer's message id is not read from a body that
    was not verified: the row cannot be applied again. One the peer did not sign is logged within
    ``refusal_loggable``'s limit for the client's address."""
    if not signed and not refusal_loggable(client):
        return
    InboundMessage.objects.create(
        peer=peer,
        outcome=InboundMessage.Outcome.REFUSED,
        code=code,
        detail=detail,
        body=body_text(body),
    )
    logger.warning("Inbound %s refused (%s): %s", peer, code, detail)


def inbound_refused_purgeable(*, older_than: datetime) -> QuerySet[InboundMessage]:
    """The refused requests received before ``older_than``: every refusal but those
    ``InboundMessage.reapplicable`` (a request of the one-stop software refused after its signature
    and time were found valid, which the ICT department may apply again)."""
    signed = Q(peer="onestop") & ~Q(message_id="") & ~Q(code__in=InboundMessage.UNVERIFIED)
    return InboundMessage.objects.filter(
        outcome=InboundMessage.Outcome.REFUSED, received_at__lt=older_than
    ).exclude(signed)


def inbound_refused_purge(
    *,
    older_than: datetime | None = None,
    batch_size: int = PURGE_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[int], object] | None = None,
    actor=None,
) -> int:
    """Delete the refused requests of ``inbound_refused_purgeable`` older than ``older_than`` (by
    default ``INBOUND_REFUSED_RETENTION_DAYS``, 90 days: retention policy ``inbound_refused``), in
    batches (``core.retention.expired_rows_purge``). Returns how many.

    Such a request changed nothing: anyone may send one to a webhook's address, and each was a row
    kept for good (a peer whose request was refused sends it again). An accepted request is part of the record of the dossier it changed, and a refused
    one the one-stop software signed is its word about a dossier: both follow the dossier's records,
    archived under the archives law and never purged here (``core.retention.KEPT_FOR_GOOD``). A run
    that deleted rows writes one audit entry with the count (``actor``: None for the periodic job);
    ``dry_run`` counts them, deletes and records nothing."""
    return expired_rows_purge(
        lambda before: inbound_refused_purgeable(older_than=before),
        policy_name="inbound_refused",
        action="integrations.inbound_refused_purged",
        older_than=older_than,
        batch_size=batch_size,
        dry_run=dry_run,
        progress=progress,
        actor=actor,
    )
