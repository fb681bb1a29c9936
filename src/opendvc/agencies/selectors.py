"""Reads over the agency tree and staff roles."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, QuerySet

from .models import Agency, StaffRole

# Roles whose view extends to every agency below their own (leaders approve, heads answer for the
# whole agency); the province office oversees every agency of the province.
TREE_ROLES = frozenset({StaffRole.Role.LEADER, StaffRole.Role.HEAD})
ALL_AGENCIES = frozenset({StaffRole.Role.PROVINCE_OFFICE})


def descendant_ids(agency: Agency | int, *, include_self: bool = True) -> set[int]:
    """Ids of every agency below ``agency`` in the tree (one query)."""
    root = agency if isinstance(agency, int) else agency.pk
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Agency.objects.values_list("pk", "parent_id"):
        children[parent].append(pk)
    found: set[int] = {root} if include_self else set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def sub_agencies(agency: Agency) -> QuerySet[Agency]:
    """The agencies below ``agency`` (not itself), at any depth."""
    return Agency.objects.filter(pk__in=descendant_ids(agency, include_self=False))


def ancestor_ids(agency: Agency) -> list[int]:
    parents = dict(Agency.objects.values_list("pk", "parent_id"))
    out: list[int] = []
    current = parents.get(agency.pk)
    while current is not None and current not in out:
        out.append(current)
        current = parents.get(current)
    return out


def active_roles_of(user_id) -> QuerySet[StaffRole]:
    """The statement of ``active_roles``: the user's active roles in active agencies, with the agency."""
    return StaffRole.objects.filter(
        user=user_id, is_active=True, agency__is_active=True
    ).select_related("agency")


def active_roles(user, read=None, **annotations) -> list[StaffRole]:
    """The user's active roles (cached on the user object for the request). ``annotations`` go into
    the statement when this call is the one that runs it (the back-office gate reads there whether the
    user has a TOTP device: one statement for both); so does ``read``, a ``core.prepared.PreparedRead``
    of ``active_roles_of`` (with its annotations) called with the user's id."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_staff_roles_cache", None)
    if cached is None:
        if read is not None:
            cached = read.list(user.pk)
        else:
            cached = list(active_roles_of(user).annotate(**annotations))
        user._staff_roles_cache = cached
    return cached


def has_active_roles(user_ref) -> Exists:
    """An expression: whether the user ``user_ref`` (e.g. ``OuterRef("owner")``) holds an active role in
    an active agency — to annotate a query that reads the user anyway (``known_without_roles``)."""
    return Exists(StaffRole.objects.filter(user=user_ref, is_active=True, agency__is_active=True))


def known_without_roles(user) -> None:
    """Record that ``user`` holds no active role (as ``has_active_roles`` read), so that
    ``active_roles`` answers without a query for the rest of the request."""
    user._staff_roles_cache = []


def role_names(user) -> set[str]:
    return {r.role for r in active_roles(user)}


def has_any_role(user, roles) -> bool:
    return bool(role_names(user) & set(roles))


def visible_agency_ids(user, *, roles=None) -> set[int] | None:
    """Agencies whose work ``user`` may see through ``roles`` (all roles when ``None``).

    ``None`` means every agency (province office). Officers see their own agency; leaders and heads
    also the agencies below theirs.
    """
    out: set[int] = set()
    for sr in active_roles(user):
        if roles is not None and sr.role not in roles:
            continue
        if sr.role in ALL_AGENCIES:
            return None
        if sr.role in TREE_ROLES:
            out |= descendant_ids(sr.agency_id)
        else:
            out.add(sr.agency_id)
    return out


def visible_agencies(user) -> list[Agency]:
    """The agencies of ``visible_agency_ids`` (every agency for a superuser), by name: for an officer
    whose agencies are those of their roles, the agencies the roles already read (no query)."""
    ids = None if user.is_superuser else visible_agency_ids(user)
    if ids is None:
        return list(Agency.objects.order_by("sort_name", "code"))
    own = {sr.agency_id: sr.agency for sr in active_roles(user)}
    if ids <= own.keys():
        return sorted((own[pk] for pk in ids), key=lambda a: (a.sort_name, a.code))
    return list(Agency.objects.filter(pk__in=ids).order_by("sort_name", "code"))


def staff_of(agency: Agency) -> QuerySet[StaffRole]:
    return (
        StaffRole.objects.filter(agency=agency)
        .select_related("user")
        .order_by("user__full_name", "role")
    )
