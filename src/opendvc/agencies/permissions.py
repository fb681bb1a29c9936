"""Who may do what with agencies and their staff. Plain functions, used by every view and handler."""

from __future__ import annotations

from .models import Agency, StaffRole
from .selectors import active_roles, ancestor_ids, visible_agency_ids

R = StaffRole.Role

# Roles that see an agency's staff list: the people who run or oversee the agency.
STAFF_LIST_ROLES = frozenset({R.LEADER, R.HEAD, R.ADMINISTRATOR, R.PROVINCE_OFFICE})
# Roles that grant and revoke roles in an agency (and the agencies below it).
STAFF_MANAGE_ROLES = frozenset({R.HEAD, R.ADMINISTRATOR})
# Roles whose powers are not bounded by the agency they are held in (the switchboard, the province
# office's oversight, the ICT department's connections and reports, the postal operator's returns,
# system administration): held in any agency they reach every agency's work. Only an administrator
# grants or revokes them; an agency's head staffs the agency's own work.
PROVINCE_WIDE_ROLES = frozenset(
    {R.SWITCHBOARD, R.PROVINCE_OFFICE, R.ICT_DEPARTMENT, R.POSTAL_OPERATOR, R.ADMINISTRATOR}
)


def is_staff_member(user) -> bool:
    """Signed in and either holds an active role somewhere or is a system superuser."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or active_roles(user))


def can_view_agency_work(user, agency: Agency) -> bool:
    """Officers: their agency; leaders and heads: also sub-agencies; province office: all."""
    if getattr(user, "is_superuser", False):
        return True
    ids = visible_agency_ids(user)
    return ids is None or agency.pk in ids


def _holds_over(user, agency: Agency, roles) -> bool:
    """Holds one of ``roles`` in ``agency`` or in an agency above it."""
    scope = {agency.pk, *ancestor_ids(agency)}
    return any(sr.role in roles and sr.agency_id in scope for sr in active_roles(user))


def can_view_agency_staff(user, agency: Agency) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    if any(sr.role == R.PROVINCE_OFFICE for sr in active_roles(user)):
        return True
    return _holds_over(user, agency, STAFF_LIST_ROLES)


def can_manage_agency_staff(user, agency: Agency) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return _holds_over(user, agency, STAFF_MANAGE_ROLES)


def can_manage_role(user, agency: Agency, role: str) -> bool:
    """Whether ``user`` may grant or revoke ``role`` in ``agency``: a head the roles of the agency's
    own work in the agencies it runs; a province-wide role (``PROVINCE_WIDE_ROLES``) only an
    administrator — a head granting one, to anyone or to themselves, would reach every agency."""
    if not can_manage_agency_staff(user, agency):
        return False
    if role not in PROVINCE_WIDE_ROLES or getattr(user, "is_superuser", False):
        return True
    return any(sr.role == R.ADMINISTRATOR for sr in active_roles(user))


def grantable_roles(user, agency: Agency) -> list[str]:
    """The roles ``user`` may grant in ``agency``, in the table's order."""
    return [role for role in R.values if can_manage_role(user, agency, role)]


def scope_to_visible_agencies(queryset, user, *, field: str = "agency", roles=None):
    """Filter ``queryset`` to the rows whose ``field`` (an Agency FK) the user may see: the
    one rule for lists of agency work (dossiers, feedback…). Nothing for non-staff."""

    if getattr(user, "is_superuser", False):
        return queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    ids = visible_agency_ids(user, roles=roles)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})
