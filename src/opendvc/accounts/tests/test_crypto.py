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


def test_every_encrypted_column_is_rotated():
    """A ``*_ciphertext`` or ``EncryptedTextField`` column the rotation leaves out is unreadable once
    the old key is retired."""
    from django.apps import apps

    from opendvc.accounts.management.commands.rotate_encryption_keys import ENCRYPTED_COLUMNS
    from opendvc.core.fields import EncryptedTextField

    rotated = {(label, field) for label, field, _kind in ENCRYPTED_COLUMNS} | {
        ("accounts.User", "phone_ciphertext"),
        ("accounts.PersonProfile", "cccd_ciphertext"),
    }
    found = {
        (model._meta.label, f.name)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if (f.name.endswith("_ciphertext") or isinstance(f, EncryptedTextField))
        and model.__module__.startswith("opendvc.")
    }
    assert ("integrations.InboundMessage", "body") in found
    assert found - rotated == set()
    for label, field, _kind in ENCRYPTED_COLUMNS:
        apps.get_model(label)._meta.get_field(field)  # listed columns exist


@pytest.mark.django_db
def test_rotation_keeps_every_encrypted_value_readable_with_the_new_key_alone(settings):
    from opendvc.feedback.models import Channel
    from opendvc.feedback.services import feedback_create
    from opendvc.integrations.models import Message
    from opendvc.integrations.outbox import outbox_enqueue

    old = settings.FIELD_ENCRYPTION_KEYS[0]
    feedback = feedback_create(
        channel=Channel.HOTLINE,
        subject="Chậm trả kết quả",
        content="Nội dung phản ánh.",
        sender_name="Phan Văn G",
        sender_phone="0901234567",
    )
    outbox_enqueue(
        kind="sms.send",
        destinations=["sms"],
        payload={
            "to_ciphertext": crypto.encrypt("0912345678"),
            "nested": [{"text_ciphertext": crypto.encrypt("mã 123456")}],
            "plain": "giữ nguyên",
        },
    )
    message = Message.objects.get()
    from opendvc.signing.models import SigningCertificate

    from .factories import AgencyFactory

    certificate = SigningCertificate(
        agency=AgencyFactory(), signer_name="Lãnh Đạo", signer_title="Giám đốc", pkcs12_path="x.p12"
    )
    certificate.passphrase = "mật-khẩu"
    certificate.save()
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys", verbosity=0)
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is retired
    feedback.refresh_from_db()
    assert crypto.decrypt(feedback.sender_phone_ciphertext) == "0901234567"
    payload = Message.objects.get(pk=message.pk).payload
    assert crypto.decrypt(payload["to_ciphertext"]) == "0912345678"
    assert crypto.decrypt(payload["nested"][0]["text_ciphertext"]) == "mã 123456"
    assert payload["plain"] == "giữ nguyên"
    assert SigningCertificate.objects.get(pk=certificate.pk).passphrase == "mật-khẩu"


@pytest.mark.django_db
def test_the_rotation_shows_its_progress(capsys):
    """A rotation over millions of dossiers runs for a while: each table's progress is shown on
    stderr, the counts on stdout; --no-progress keeps stderr quiet (cron, logs)."""
    user = UserFactory()
    user.phone = "0912345678"
    user.save()
    call_command("rotate_encryption_keys")
    out = capsys.readouterr()
    assert "Số điện thoại, số CCCD" in out.err and "1/1" in out.err
    assert "Đã mã hóa lại 1 số điện thoại" in out.out
    call_command("rotate_encryption_keys", "--no-progress")
    assert capsys.readouterr().err == ""
