"""The form data column of a dossier: identifiers sealed when saved, opened when read."""

from __future__ import annotations

from opendvc.eforms.sealing import SealedFormDataField


class EncryptedFormDataField(SealedFormDataField):
    """``Dossier.form_data`` (the rule is ``opendvc.eforms.sealing``; this name is the one the
    dossiers' migrations refer to)."""
