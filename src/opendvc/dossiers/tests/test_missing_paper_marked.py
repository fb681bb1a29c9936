"""The message of a required paper not attached names the paper as the procedure writes it
(Vietnamese): on an English page the name is marked ``lang="vi"``; the text stays the same."""

from __future__ import annotations

import pytest
from django.utils.html import conditional_escape
from django.utils.translation import override

from opendvc.dossiers.services import missing_message

pytestmark = pytest.mark.django_db


def test_the_missing_papers_name_is_marked_on_an_english_page(procedure):
    component = procedure.components.filter(required=True).first()
    with override("en"):
        message = missing_message(component)
        assert message.startswith("Required document not attached: ")
        assert conditional_escape(message).endswith(
            f'<span lang="vi">{conditional_escape(message[len("Required document not attached: "):])}</span>'
        )
    with override("vi"):
        assert 'lang="vi"' not in conditional_escape(missing_message(component))
