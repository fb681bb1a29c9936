"""Who may see and change accounts, profiles and organisations. Plain functions, one place.

Citizens see only their own data and that of the organisations they act for (Regulation Art. 4.4,
13.3). Staff in roles that serve applicants may look a person up (masked); seeing the unmasked CCCD or
phone needs a stated reason and is audited (see ``services.reveal_personal_data``).
"""

from __future__ import annotations

from opendvc.agencies.models import StaffRole
from opendvc.agencies.selectors import has_any_role

from .models import Membership, Organisation, PersonProfile

R = StaffRole.Role

# Staff roles that deal with applicants and may open a person's record.
PERSON_LOOKUP_ROLES = frozenset(
    {
        R.RECEIVING_OFFICER,
        R.PROCESSING_OFFICER,
        R.LEADER,
        R.HEAD,
        R.SWITCHBOARD,
        R.PROVINCE_OFFICE,
        R.ADMINISTRATOR,
    }
)
# Roles that handle deletion requests.
DELETION_ROLES = frozenset({R.ADMINISTRATOR})


def is_owner(user, profile: PersonProfile) -> bool:
    return bool(getattr(user, "is_authenticated", False) and profile.user_id == user.pk)


def can_lookup_persons(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or has_any_role(user, PERSON_LOOKUP_ROLES))


def can_view_profile(user, profile: PersonProfile) -> bool:
    """The owner, or staff whose role serves applicants (masked unless they give a reason)."""
    return is_owner(user, profile) or can_lookup_persons(user)


def can_reveal_personal_data(user, profile: PersonProfile) -> bool:
    """Unmasked CCCD/phone: the owner always; staff who may look persons up, with a reason."""
    return can_view_profile(user, profile)


def can_edit_profile(user, profile: PersonProfile) -> bool:
    return is_owner(user, profile)


def membership_of(user, organisation: Organisation) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, organisation=organisation).first()


def can_act_for(user, organisation: Organisation) -> bool:
    """Representatives and authorised staff submit in the organisation's name."""
    return membership_of(user, organisation) is not None


def can_view_organisation(user, organisation: Organisation) -> bool:
    return can_act_for(user, organisation) or can_lookup_persons(user)


def can_manage_organisation(user, organisation: Organisation) -> bool:
    m = membership_of(user, organisation)
    return m is not None and m.role == Membership.Role.REPRESENTATIVE


def can_handle_deletion_requests(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or has_any_role(user, DELETION_ROLES))
