"""Browser check: the survey's rating rows fit a 360 px phone in both languages. In English the words
under the ends of the scale ("very dissatisfied") are wider than in Vietnamese, and the row of five
choices pushed the page 20 px past the screen (the last radio button squeezed)."""

from __future__ import annotations

import pytest
from conftest import browser_module_marks

from opendvc.surveys.models import SurveyInvitation

pytestmark = browser_module_marks()


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_rating_rows_fit_the_screen(new_page, live_server, returned_dossier, language, width):
    invitation = SurveyInvitation.objects.get()
    page = new_page(width)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(live_server.url + f"/khao-sat/{invitation.token}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for radio in page.locator(".sv-scale input[type=radio]").all()[:5]:
        box = radio.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        assert box["width"] >= 16  # not squeezed to a dot
