"""The survey form an administrator edits is checked before it is saved: criteria that are not a list
of {code, label} with distinct codes, a scale outside 2..10, or a "not satisfied" threshold that
leaves no satisfied rating made every survey page fail (500) or every answer a complaint."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from opendvc.surveys.models import SurveyForm

pytestmark = pytest.mark.django_db


def _form(**kw):
    fields = {
        "code": "thu",
        "title": "Phiếu thử",
        "criteria": [{"code": "a", "label": "Tiêu chí A"}],
        "scale": 5,
        "dissatisfied_at_most": 2,
    }
    fields.update(kw)
    return SurveyForm(**fields)


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"criteria": {"a": "b"}}, "criteria"),
        ({"criteria": ["a"]}, "criteria"),
        ({"criteria": [{"label": "Không mã"}]}, "criteria"),
        ({"criteria": [{"code": "a", "label": ""}]}, "criteria"),
        ({"criteria": [{"code": 5, "label": "x"}]}, "criteria"),
        ({"criteria": [{"code": "a", "label": "x"}, {"code": "a", "label": "y"}]}, "criteria"),
        ({"scale": 0}, "scale"),
        ({"scale": 1}, "scale"),
        ({"scale": 1000}, "scale"),
        ({"dissatisfied_at_most": 5}, "dissatisfied_at_most"),
        ({"dissatisfied_at_most": 0}, "dissatisfied_at_most"),
    ],
)
def test_a_form_that_cannot_be_answered_is_refused(changed, field):
    with pytest.raises(ValidationError) as err:
        _form(**changed).full_clean()
    assert field in err.value.message_dict, err.value.message_dict


def test_the_default_form_is_accepted():
    from opendvc.surveys.services import DEFAULT_CRITERIA

    _form(criteria=DEFAULT_CRITERIA).full_clean()
    _form(criteria=[]).full_clean()
