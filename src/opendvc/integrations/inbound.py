"""The log of peers' requests (``InboundMessage``): how a body is kept, and the refusals decided before
a webhook's handler (by the checks every API request goes through) written to it."""

from __future__ import annotations

import logging

from .models import InboundMessage

logger = logging.getLogger(__name__)

# The most of a body the log keeps (characters).
MAX_LOGGED_BODY = 20000


def body_text(body: bytes) -> str:
    """The body as logged: text (bytes that are not UTF-8 replaced), a NUL byte written as ``\\u0000``
    (PostgreSQL keeps no NUL in text), at most 20 000 characters."""
    return body.decode(errors="replace").replace("\x00", "\\u0000")[:MAX_LOGGED_BODY]


def inbound_refusal_log(sender, *, peer: str, code: str, detail: str, body: bytes, **kwargs) -> None:
    """Log a request to ``peer``'s webhook refused before its handler (``core.middleware``'s
    ``inbound_refused``): wrong content type, a body too large (not kept) or not readable as JSON, a
    signature the API's authentication refused… The peer's message id is not read from a body that
    was not verified: the row cannot be applied again."""
    InboundMessage.objects.create(
        peer=peer,
        outcome=InboundMessage.Outcome.REFUSED,
        code=code,
        detail=detail,
        body=body_text(body),
    )
    logger.warning("Inbound %s refused (%s): %s", peer, code, detail)
