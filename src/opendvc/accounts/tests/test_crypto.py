import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from opendvc.accounts import crypto
from opendvc.accounts.models import PersonProfile, User

from .factories import ProfileFactory, UserFactory


def test_roundtrip_and_mask():
    token = crypto.encrypt("075090123456")
    assert "075090123456" not in token
    assert crypto.decrypt(token) == "075090123456"
    assert crypto.mask("075090123456") == "075******456"
    assert crypto.encrypt("") == "" and crypto.lookup_hash("") is None


def test_hash_depends_on_key(settings):
    a = crypto.lookup_hash("0912345678")
    settings.LOOKUP_HASH_KEY = "another-key"
    assert crypto.lookup_hash("0912345678") != a


@pytest.mark.django_db
def test_nothing_plaintext_in_database():
    user = UserFactory()
    user.phone = "0912 345 678"
    user.save()
    profile = ProfileFactory(user=user)
    profile.cccd = "075090123456"
    profile.save()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT phone_ciphertext, phone_hash FROM accounts_user WHERE id = %s", [user.pk]
        )
        ct, h = cur.fetchone()
        cur.execute(
            "SELECT cccd_ciphertext FROM accounts_personprofile WHERE id = %s", [profile.pk]
        )
        (cccd_ct,) = cur.fetchone()
    assert "0912345678" not in ct and "075090123456" not in cccd_ct
    assert h == crypto.lookup_hash("0912345678")
    assert User.objects.get_by_natural_key("+84912345678") == user


@pytest.mark.django_db
def test_rotate_keys_command(settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    user = UserFactory()
    user.phone = "0912345678"
    user.save()
    profile = ProfileFactory(user=user)
    profile.cccd = "075090123456"
    profile.save()
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys", verbosity=0)
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key can now be retired
    assert User.objects.get(pk=user.pk).phone == "0912345678"
    assert PersonProfile.objects.get(pk=profile.pk).cccd == "075090123456"
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(InvalidToken):
        User.objects.get(pk=user.pk).phone  # noqa: B018
