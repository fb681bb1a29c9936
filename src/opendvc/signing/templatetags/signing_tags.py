"""The signature status of an issued document on the applicant's dossier page: who signed, when, and a
link to the public verification page (Regulation QĐ 31/2020/QĐ-UBND Art. 4.7: an e-result has legal
value)."""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist

from ..services import verify_url

register = template.Library()


@register.inclusion_tag("signing/_status.html")
def signature_status(document):
    try:
        signature = document.signature
    except ObjectDoesNotExist:
        signature = None
    url = ""
    if signature is not None:
        url = verify_url(code=document.dossier.code or "", key=signature.verify_key)
    return {"document": document, "signature": signature, "verify_url": url}
