"""An enum field given a value it does not accept: the API's Vietnamese message lists the accepted values
joined with 'hoặc', not with pydantic's English 'or'."""

from __future__ import annotations

import pytest

from opendvc.api.main import validation_message
from opendvc.feedback.models import Feedback, Kind

pytestmark = pytest.mark.django_db


def test_accepted_values_are_joined_in_vietnamese(client):
    body = {
        "kind": "x",
        "subject": "Hỏi về lệ phí",
        "content": "Lệ phí cấp bản sao bao nhiêu?",
        "sender_name": "Trịnh Văn K",
        "sender_phone": "0934567890",
    }
    response = client.post("/api/v1/feedback/public", body, content_type="application/json")
    assert response.status_code == 422 and response["Content-Type"].startswith("application/problem+json")
    [error] = [e for e in response.json()["errors"] if e["path"].endswith("kind")]
    message = error["message"]
    assert message.startswith("Phải là một trong: ") and "hoặc" in message and " or " not in message
    assert all(f"'{value}'" in message for value in Kind.values), message
    assert not Feedback.objects.exists()

    for kind in ("enum", "literal_error"):
        text = validation_message({"type": kind, "ctx": {"expected": "'a', 'b' or 'c'"}})
        assert text == "Phải là một trong: 'a', 'b' hoặc 'c'.", kind
