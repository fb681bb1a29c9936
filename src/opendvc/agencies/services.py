"""Granting and revoking staff roles. Every change is audited in the same transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from opendvc.audit.services import audit_record

from .models import Agency, StaffRole
from .permissions import can_manage_role


@transaction.atomic
def grant_role(*, actor, user, agency: Agency, role: str, request=None) -> StaffRole:
    """Give ``user`` ``role`` in ``agency`` (reactivates a revoked one). Writes an audit entry.

    ``actor=None`` is the system (seeding, management commands); otherwise the actor must be
    allowed to manage the agency's staff.
    """
    if role not in StaffRole.Role.values:
        raise ValidationError(
            {"role": ValidationError("Vai trò không hợp lệ.", code="invalid_role")}
        )
    if actor is not None and not can_manage_role(actor, agency, role):
        raise PermissionDenied
    sr, created = StaffRole.objects.get_or_create(user=user, agency=agency, role=role)
    if not created and sr.is_active:
        return sr
    sr.is_active = True
    sr.save(update_fields=["is_active"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit_record(
        actor=actor,
        action="agencies.role_granted",
        target=sr.agency,
        changes={"user": str(user.public_id), "role": role},
        request=request,
    )
    return sr


@transaction.atomic
def revoke_role(*, actor, staff_role: StaffRole, request=None) -> StaffRole:
    """Deactivate a role (kept for the record). Writes an audit entry."""
    if actor is not None and not can_manage_role(actor, staff_role.agency, staff_role.role):
        raise PermissionDenied
    if staff_role.is_active:
        staff_role.is_active = False
        staff_role.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="agencies.role_revoked",
            target=staff_role.agency,
            changes={"user": str(staff_role.user.public_id), "role": staff_role.role},
            request=request,
        )
    return staff_role
