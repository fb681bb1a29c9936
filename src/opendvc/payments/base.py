"""What a payment gateway plugin provides (``registry.register``).

A plugin turns an attempt into the address the applicant is sent to, reads the gateway's messages
(server-to-server confirmation, browser return) into a ``Notice`` after checking their signature,
answers the confirmation in the gateway's own words, and asks the gateway about a transaction
(``query``) or to return money (``refund``). Everything that changes a state goes through
``services.attempt_apply``; a plugin never writes a row itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse


class GatewayError(Exception):
    """The gateway could not be reached or answered something unusable (retried later)."""


@dataclass(frozen=True)
class Notice:
    """What a gateway says about one attempt."""

    reference: str
    # "paid", "failed", "cancelled", "pending" (not finished yet), "unknown" (the gateway has no such
    # transaction), "refunded" (query of a refunded transaction)
    outcome: str
    amount_vnd: int | None = None
    gateway_ref: str = ""
    bank_code: str = ""
    response_code: str = ""
    signature_ok: bool = True
    raw: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundAnswer:
    accepted: bool
    gateway_ref: str = ""
    message: str = ""
    raw: str = ""


# What ``services.attempt_apply`` made of a confirmation; each gateway answers it in its own code.
CONFIRMED = "confirmed"
ALREADY = "already"
NOT_FOUND = "not_found"
BAD_AMOUNT = "bad_amount"
BAD_SIGNATURE = "bad_signature"
ERROR = "error"


class Gateway:
    key: str = ""
    label: Any = ""

    def enabled(self) -> bool:
        return True

    def start(self, *, attempt, return_url: str, client_ip: str) -> str:
        """The address the applicant's browser goes to for ``attempt``."""
        raise NotImplementedError

    def read_confirmation(self, request: HttpRequest) -> Notice:
        """The server-to-server confirmation (IPN) as a notice; ``signature_ok`` False when forged."""
        raise NotImplementedError

    def answer_confirmation(self, result: str) -> HttpResponse:
        raise NotImplementedError

    def read_return(self, request: HttpRequest) -> Notice:
        """The browser's return: for display only, never applied."""
        return self.read_confirmation(request)

    def query(self, *, attempt) -> Notice:
        """Ask the gateway what became of ``attempt``; raises ``GatewayError`` when it cannot."""
        raise NotImplementedError

    def refund(self, *, refund) -> RefundAnswer:
        raise NotImplementedError
