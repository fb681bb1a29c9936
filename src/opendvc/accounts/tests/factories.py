"""Test factories for accounts and agencies."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from opendvc.accounts.models import Membership, Organisation, PersonProfile, User
from opendvc.agencies.models import Agency, StaffRole, Tier

PASSWORD = "Mat-khau-thu-nghiem-2025"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"nguoi{n}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonProfile

    user = factory.SubFactory(UserFactory)
    gender = PersonProfile.Gender.MALE


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Công ty TNHH Thử nghiệm {n}")
    tax_code = factory.Sequence(lambda n: f"{3600000000 + n}")
    legal_representative = "Trần Thị Bình"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.REPRESENTATIVE


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("code",)

    code = "tinh"
    name = "Cấp tỉnh"
    rank = 1


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(
        lambda n: f"000.{n % 100:02d}.{n // 100 % 100:02d}.H19".replace(
            "000.", f"{100 + n % 900:03d}.", 1
        )
    )
    name = factory.Sequence(lambda n: f"Cơ quan thử nghiệm {n}")
    tier = factory.SubFactory(TierFactory)


class StaffRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory, is_staff=True)
    agency = factory.SubFactory(AgencyFactory)
    role = StaffRole.Role.PROCESSING_OFFICER


def mark_mfa_passed(client) -> None:
    """Record in the client's session that the second factor was used (as allauth does at login)."""
    import time

    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": ""},
        {"method": "mfa", "type": "totp", "at": now},
    ]
    session.save()
