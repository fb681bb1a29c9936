"""``signing_certificate_add`` keeps one signer identity: the name is the certificate subject's CN (taken
from it when ``--name`` is left out) and a different ``--name`` is refused, so the citizen's pages and
the public verification page name the same signer. The test CA's signer is the demo leader, not a
demo citizen."""

from __future__ import annotations

import pytest
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command

from opendvc.signing import testca
from opendvc.signing.models import SigningCertificate

pytestmark = pytest.mark.django_db


def _add(paths, justice, **kw):
    call_command(
        "signing_certificate_add",
        agency=justice.code,
        pkcs12=str(paths["signer"]),
        passphrase=testca.PASSPHRASE,
        title="Phó Giám đốc",
        **kw,
    )


def test_a_name_that_differs_from_the_certificate_is_refused(trust, justice):
    _sim, _ca, paths = trust
    with pytest.raises(CommandError) as err:
        _add(paths, justice, name="Nguyễn Văn An")
    assert "Nguyễn Văn An" in str(err.value) and "Nguyễn Văn Lãnh Đạo" in str(err.value)
    assert not SigningCertificate.objects.exists()


def test_the_name_is_taken_from_the_certificate(trust, justice):
    _sim, _ca, paths = trust
    _add(paths, justice)
    _add(paths, justice, name="  nguyễn văn lãnh đạo ")  # the same name, typed loosely
    assert list(SigningCertificate.objects.values_list("signer_name", flat=True)) == [
        "Nguyễn Văn Lãnh Đạo",
        "Nguyễn Văn Lãnh Đạo",
    ]


def test_the_test_ca_signer_is_the_demo_leader_not_a_demo_citizen():
    from opendvc.accounts import demo

    ca = testca.build("http://127.0.0.1:1")
    subject = ca.leaves["signer"].cert.subject
    cn = subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert cn == "Nguyễn Văn Lãnh Đạo"
    assert ("leader", cn) in [(row[0], row[1]) for row in demo.STAFF]
    assert cn not in [c["profile"]["full_name"] for c in demo.CITIZENS]
