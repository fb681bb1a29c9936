"""The bodies peers send (the log of peers' requests, the payment gateways' messages) are stored
encrypted: the column holds a Fernet token, the model gives back the text; a key put in front still
reads what the old key wrote, and the rotation re-encrypts it; a row written in clear before the column
was encrypted is read as it is, and the column's migration encrypts it; the admin page shows the text."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.db.models import Value

from opendvc.accounts.tests.factories import PASSWORD
from opendvc.core.fields import encrypted_column_open
from opendvc.core.migration_ops import encrypt_column
from opendvc.integrations.models import InboundMessage
from opendvc.payments.models import GatewayMessage

pytestmark = pytest.mark.django_db

BODIES = [
    '{"message_id": "mc-1", "ho_ten": "Nguyễn Thị Hoa", "cccd": "075090123456"}',
    "vnp_Amount=5000000&vnp_BankCode=NCB&vnp_OrderInfo=Phi+ho+so+000.00.32.H19-261202-0001",
    "x" * 20000,
]


def _inbound(body: str) -> InboundMessage:
    return InboundMessage.objects.create(peer="onestop", outcome="refused", code="x", body=body)


def _gateway(raw: str) -> GatewayMessage:
    return GatewayMessage.objects.create(gateway="vnpay", kind="ipn", raw=raw)


ROWS = [(_inbound, "integrations_inboundmessage", "body"), (_gateway, "payments_gatewaymessage", "raw")]


def _stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _write_clear(model, pk: int, field: str, text: str) -> None:
    """A row as the release before the encryption wrote it."""
    model.objects.filter(pk=pk).update(**{field: Value(text, output_field=models.TextField())})


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize(("make", "table", "column"), ROWS)
def test_the_column_holds_a_token_and_the_model_the_text(make, table, column, body):
    row = make(body)
    stored = _stored(table, column, row.pk)
    assert stored.startswith("gAAAAA") and body not in stored and "075090123456" not in stored
    assert getattr(type(row).objects.get(pk=row.pk), column) == body
    assert type(row).objects.filter(pk=row.pk).values_list(column, flat=True).get() == body
    # Written again through an update: a new token, the same text.
    type(row).objects.filter(pk=row.pk).update(**{column: body + "!"})
    assert _stored(table, column, row.pk) != stored
    assert getattr(type(row).objects.get(pk=row.pk), column) == body + "!"
    # Empty stays empty: nothing to protect.
    empty = make("")
    assert _stored(table, column, empty.pk) == ""
    assert getattr(type(row).objects.get(pk=empty.pk), column) == ""


def test_a_new_key_in_front_still_reads_the_old_and_the_rotation_moves_to_it(settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    before = [_inbound(BODIES[0]), _gateway(BODIES[1])]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    after = [_inbound(BODIES[2]), _gateway(BODIES[0])]
    assert Fernet(new).decrypt(_stored("integrations_inboundmessage", "body", after[0].pk).encode())
    assert [InboundMessage.objects.get(pk=before[0].pk).body, GatewayMessage.objects.get(
        pk=before[1].pk
    ).raw] == [BODIES[0], BODIES[1]]
    call_command("rotate_encryption_keys", verbosity=0)
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is retired
    assert [m.body for m in InboundMessage.objects.order_by("pk")] == [BODIES[0], BODIES[2]]
    assert [m.raw for m in GatewayMessage.objects.order_by("pk")] == [BODIES[1], BODIES[0]]


@pytest.mark.parametrize(
    "clear",
    [
        BODIES[0],
        "vnp_TxnRef=TT-1&vnp_ResponseCode=00",
        # Plain text that starts like a token: read and encrypted as the text it is.
        "gAAAAA không phải mã hóa",
    ],
)
@pytest.mark.parametrize(("make", "table", "column"), ROWS)
def test_a_row_written_in_clear_is_read_and_the_migration_encrypts_it(make, table, column, clear):
    row, encrypted = make("bỏ qua"), make(BODIES[1])
    model = type(row)
    _write_clear(model, row.pk, column, clear)
    token = _stored(table, column, encrypted.pk)
    assert _stored(table, column, row.pk) == clear
    assert getattr(model.objects.get(pk=row.pk), column) == clear
    label = model._meta
    encrypt_column(label.app_label, label.object_name, column).code(apps, None)
    assert _stored(table, column, row.pk).startswith("gAAAAA")
    assert getattr(model.objects.get(pk=row.pk), column) == clear
    assert getattr(model.objects.get(pk=encrypted.pk), column) == BODIES[1]
    assert _stored(table, column, encrypted.pk) != token  # re-encrypted with the newest key
    # Backwards: the text in clear again.
    encrypted_column_open(model.objects.all(), column, batch_size=1)
    assert _stored(table, column, row.pk) == clear
    assert _stored(table, column, encrypted.pk) == BODIES[1]


def test_a_token_no_key_opens_is_left_as_it_is(settings):
    """A token of a retired key stays as it is, not wrapped in another; the plain text beside it is
    encrypted."""
    foreign = Fernet(Fernet.generate_key()).encrypt(b"secret").decode()
    row, clear = _inbound("x"), _inbound("y")
    _write_clear(InboundMessage, row.pk, "body", foreign)
    _write_clear(InboundMessage, clear.pk, "body", BODIES[0])
    assert InboundMessage.objects.get(pk=row.pk).body == foreign
    encrypt_column("integrations", "InboundMessage", "body").code(apps, None)
    assert _stored("integrations_inboundmessage", "body", row.pk) == foreign
    assert _stored("integrations_inboundmessage", "body", clear.pk).startswith("gAAAAA")
    assert InboundMessage.objects.get(pk=clear.pk).body == BODIES[0]


def test_the_admin_page_shows_the_body(client):
    from opendvc.accounts.models import User

    user = User.objects.create_superuser(email="quantri@example.vn", password=PASSWORD)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    rows = [_inbound(BODIES[0]), _inbound("vnp_TxnRef=TT-9&tên=Trần Văn Bình")]
    for row, words in zip(rows, ["Nguyễn Thị Hoa", "Trần Văn Bình"], strict=True):
        assert words not in _stored("integrations_inboundmessage", "body", row.pk)
        html = client.get(f"/admin/integrations/inboundmessage/{row.pk}/change/").content.decode()
        assert words in html and "gAAAAA" not in html
