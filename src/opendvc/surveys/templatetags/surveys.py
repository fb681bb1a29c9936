"""``{% survey_for dossier user as survey %}``: the dossier's survey for its applicant, for the
applicant's page of the dossier (``selectors.invitation_for``)."""

from django import template

from opendvc.surveys.selectors import invitation_for

register = template.Library()


@register.simple_tag
def survey_for(dossier, user):
    return invitation_for(dossier=dossier, user=user)
