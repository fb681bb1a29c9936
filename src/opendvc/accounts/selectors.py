"""Reads: profiles, organisations, "acting as" choices, sessions, the personal-data export."""

from __future__ import annotations

from importlib import import_module

from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.agencies.models import StaffRole
from opendvc.dossiers.personal_data import dossier_reads_of, dossiers_of

from . import crypto
from .models import DeletionRequest, Membership, Organisation, PersonProfile, UserSession
from .permissions import can_act_for, can_view_profile
from .validators import normalize_cccd, normalize_phone


def profile_of(user) -> PersonProfile:
    """The user's profile (an empty one, not saved, before the user completes it)."""
    try:
        return user.profile
    except PersonProfile.DoesNotExist:
        return PersonProfile(user=user)


def profile_for_viewer(*, viewer, public_id) -> PersonProfile:
    """A profile by its public id, or 404 — also when the viewer may not see it (no hint that it exists)."""
    profile = PersonProfile.objects.select_related("user").filter(public_id=public_id).first()
    if profile is None or not can_view_profile(viewer, profile):
        raise Http404
    return profile


def organisations_of(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).distinct().order_by("sort_name", "pk")


def memberships_of(user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__sort_name", "organisation__pk")
    )


def organisation_for_member(*, user, public_id) -> Organisation:
    org = Organisation.objects.filter(public_id=public_id).first()
    if org is None or not can_act_for(user, org):
        raise Http404
    return org


SELF = "self"


def acting_as_choices(user) -> list[tuple[str, str]]:
    """Choices for "submitting as": oneself, or each organisation the user acts for.

    Values are ``"self"`` or ``"org:<public_id>"``; pass the chosen value to ``resolve_acting_as``.
    """
    choices = [(SELF, _("Cá nhân: %(name)s") % {"name": user.full_name or user.email})]
    for m in memberships_of(user):
        choices.append(
            (
                f"org:{m.organisation.public_id}",
                _("Tổ chức: %(name)s") % {"name": m.organisation.name},
            )
        )
    return choices


def resolve_acting_as(user, value: str) -> Organisation | None:
    """``None`` for oneself, the organisation otherwise; 404 when the user may not act for it."""
    if not value or value == SELF:
        return None
    if not value.startswith("org:"):
        raise Http404
    try:
        return organisation_for_member(user=user, public_id=value[4:])
    except Exception as exc:  # a malformed uuid is the same as an unknown one
        raise Http404 from exc


def live_session_keys(keys) -> set[str]:
    """Which of ``keys`` still name a live session in the session store."""

    keys = list(keys)
    if settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return set(
            Session.objects.filter(
                session_key__in=keys, expire_date__gt=timezone.now()
            ).values_list("session_key", flat=True)
        )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return {k for k in keys if store().exists(k)}


def sessions_of(user) -> list[UserSession]:
    """The user's signed-in browsers whose session is still alive (expired ones are not shown)."""
    rows = list(UserSession.objects.filter(user=user))
    live = live_session_keys(r.session_key for r in rows)
    return [r for r in rows if r.session_key in live]


def pending_deletion_request(user) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=user, status=DeletionRequest.Status.PENDING).first()


def export_personal_data(*, user) -> dict:
    """Everything the portal holds about the user as plain JSON-ready data (unmasked: it is theirs)."""

    profile = profile_of(user)
    data = {
        "account": {
            "public_id": str(user.public_id),
            "email": user.email,
            "phone": user.phone,
            "full_name": user.full_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "profile": None,
        "organisations": [
            {
                "public_id": str(m.organisation.public_id),
                "name": m.organisation.name,
                "tax_code": m.organisation.tax_code,
                "role": m.role,
                "address": m.organisation.address,
                "legal_representative": m.organisation.legal_representative,
            }
            for m in memberships_of(user)
        ],
        "sessions": [
            {
                "created_at": s.created_at.isoformat(),
                "last_seen_at": s.last_seen_at.isoformat(),
                "ip_address": s.ip_address,
                "user_agent": s.user_agent,
            }
            for s in sessions_of(user)
        ],
        "staff_roles": [
            {"agency": sr.agency.code, "role": sr.role, "is_active": sr.is_active}
            for sr in StaffRole.objects.filter(user=user).select_related("agency")
        ],
        "deletion_requests": [
            {"created_at": d.created_at.isoformat(), "status": d.status, "reason": d.reason}
            for d in DeletionRequest.objects.filter(user=user)
        ],
    }

    if apps.is_installed("opendvc.dossiers"):
        # The person's dossiers with what they typed in them, and who among the staff read them, and
        # when (Art. 4.4, 13.3).
        data["dossiers"] = dossiers_of(applicant=user)
        data["dossier_reads"] = dossier_reads_of(applicant=user)
    if profile.pk:
        data["profile"] = {
            "public_id": str(profile.public_id),
            "date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else None,
            "gender": profile.gender,
            "cccd": profile.cccd,
            "cccd_source": profile.cccd_source,
            "cccd_verified_at": profile.cccd_verified_at.isoformat()
            if profile.cccd_verified_at
            else None,
            "permanent_address": profile.permanent_address,
            "current_address": profile.current_address,
        }
    return data


def find_persons(*, query: str) -> list[PersonProfile]:
    """Exact lookup of a person by CCCD, phone number or email (through the keyed hashes: no scan of
    encrypted values). Empty for anything else: there is no fuzzy search over personal data."""

    query = (query or "").strip()
    if not query:
        return []
    qs = PersonProfile.objects.select_related("user")
    if "@" in query:
        return list(qs.filter(user__email__iexact=query))
    digits = normalize_cccd(query)
    if len(digits) == 12 and digits.isdigit():
        # A typed number may sit on several accounts (only verified ones are unique): the holder
        # verified through the electronic identity first; the page says which are verified.
        return list(
            qs.filter(cccd_hash=crypto.lookup_hash(digits)).order_by(
                F("cccd_verified_at").desc(nulls_last=True), "pk"
            )
        )
    try:
        phone = normalize_phone(query)
    except ValidationError:
        return []
    return list(qs.filter(user__phone_hash=crypto.lookup_hash(phone)))


def verified_address_of_key(key: str):
    """The email address an email verification link (allauth's signed key) was for, when that address
    is verified already; None for any other key (unreadable, forged, or its address still waiting).
    The age of the key does not matter: a verified address stays verified."""
    try:
        pk = signing.loads(key, salt=account_settings.SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return EmailAddress.objects.filter(pk=pk, verified=True).first()
