"""Browser check: a long unbroken word a sender types (a pasted link, a run of characters) wraps on
the feedback pages instead of pushing them past the screen. The sender's tracking page, the public
question and the staff queue did not load the feedback stylesheet (the facts list, the tabs and the
wrapping rule were missing there), and the subject on the staff page and the question on the list of
questions had no wrapping rule: each page scrolled sideways, up to 2,000 px on a phone."""

from __future__ import annotations

import time

import pytest
from conftest import browser_module_marks
from django.test import Client

from opendvc.feedback.lifecycle import Action
from opendvc.feedback.services import (
    feedback_act,
    feedback_create,
    feedback_publish,
    publish_preview,
    sender_token,
)

pytestmark = browser_module_marks()

LINK = "https://dichvucong.dongnai.gov.vn/" + "a" * 200


def _login(page, live_server, user) -> None:
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "type": "totp", "at": time.time()},
    ]
    session.save()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.parametrize("width", [360, 1280])
def test_a_long_unbroken_word_wraps_on_every_feedback_page(new_page, live_server, org, width):
    fb = feedback_create(
        channel="web",
        subject="Đường dẫn " + "x" * 150,
        content="Xem " + LINK,
        sender_name="Lê Văn An",
        sender_email="an@example.com",
        consent_publish=True,
    )
    fb = feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org["dept"]}
    )
    fb = feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Xem " + LINK}
    )
    qa = feedback_publish(feedback=fb, actor=org["focal"], **publish_preview(feedback=fb))

    page = new_page(width)
    for path in (
        f"/phan-anh-kien-nghi/theo-doi/{sender_token(fb)}/",
        "/hoi-dap/",
        f"/hoi-dap/{qa.pk}/",
    ):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path

    _login(page, live_server, org["focal"])
    for path in (f"/quan-tri/phan-anh/{fb.code}/", "/quan-tri/phan-anh/?hang-doi=answered"):
        page.goto(live_server.url + path)
        assert fb.code in page.content(), path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        # Nor does the queue's table inside its frame.
        frames = "[...document.querySelectorAll('.table-wrap')]"
        assert page.evaluate(f"{frames}.every(e => e.scrollWidth <= e.clientWidth)"), path
