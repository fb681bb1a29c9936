"""Signed results: PAdES B-T/B-LT with the test CA, validated with pyHanko's validator; tampering,
expired and revoked certificates; the seal on receipts; the approval signs the result."""

from __future__ import annotations

import io

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import DossierDocument
from opendvc.dossiers.tests.conftest import pdf_bytes
from opendvc.signing import services
from opendvc.signing.models import SignedDocument

from .conftest import configure_agency, in_processing

pytestmark = pytest.mark.django_db


def _credential(paths, name="signer"):
    return services.credential_load(
        path=str(paths[name]), passphrase="opendvc-test", name="Nguyễn Văn Lãnh Đạo", title="Phó Giám đốc"
    )


def _validate(data: bytes, root_path):
    root = load_cert_from_pemder(str(root_path))
    reader = PdfFileReader(io.BytesIO(data))
    vc = ValidationContext(trust_roots=[root], allow_fetching=False)
    return validate_pdf_signature(reader.embedded_signatures[0], vc, ts_validation_context=vc)


def test_signature_validates_against_the_test_ca_with_a_timestamp_and_revocation_data(trust):
    sim, ca, paths = trust
    data, level = services.pdf_sign(
        pdf=pdf_bytes("Giấy khai sinh"),
        credential=_credential(paths),
        qr_url="https://dichvucong.example/xac-thuc-ket-qua/?ma=X&khoa=Y",
    )
    assert level == "B-LT"
    status = _validate(data, paths["root"])
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.valid
    assert status.signing_cert.subject.native["common_name"] == "Nguyễn Văn Lãnh Đạo"
    paths_seen = [r.path for r in sim.requests] if hasattr(sim, "requests") else []
    assert not paths_seen or "/tsa" in paths_seen


def test_one_tampered_byte_fails(trust):
    _sim, _ca, paths = trust
    data, _level = services.pdf_sign(pdf=pdf_bytes("Giấy khai sinh"), credential=_credential(paths))
    # A byte of the page's content stream (inside the signed byte range).
    at = data.index(b"stream") + 20
    tampered = bytearray(data)
    tampered[at] ^= 0x01
    status = _validate(bytes(tampered), paths["root"])
    assert not status.bottom_line
    assert not status.intact
    assert services.pdf_verify(data=bytes(tampered)).valid is False


def test_b_t_when_revocation_data_is_not_reachable(trust):
    sim, _ca, paths = trust
    sim.switches.update({"extra": {"no_revocation": True}})
    data, level = services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths))
    assert level == "B-T"
    assert _validate(data, paths["root"]).bottom_line


@pytest.mark.parametrize(("name", "words"), [("expired", "hết hạn"), ("revoked", "thu hồi")])
def test_expired_or_revoked_signer_is_refused(trust, name, words):
    _sim, _ca, paths = trust
    with pytest.raises(ProblemError) as err:
        services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths, name))
    assert err.value.status == 409 and err.value.code == "signing_refused"
    assert words in str(err.value)


def test_a_certificate_outside_the_pinned_roots_is_refused(trust, settings, tmp_path):
    from opendvc.signing import testca

    _sim, _ca, paths = trust
    other = testca.build("http://127.0.0.1:9").write(tmp_path / "other")
    settings.SIGNING_TRUST_ROOTS = str(other["root"])
    services.caches_clear()
    with pytest.raises(ProblemError) as err:
        services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths))
    assert err.value.code == "signing_refused"


def test_the_tsa_down_refuses_signing_with_503(trust):
    sim, _ca, paths = trust
    sim.switches.update({"down": True})
    with pytest.raises(ProblemError) as err:
        services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths))
    assert err.value.status in (409, 503)


def _approved(procedure, citizen, officer, leader):
    d = in_processing(procedure, citizen, officer)
    return dossier_services.dossier_act(
        dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
    )


def test_approval_signs_the_result_with_the_agencys_certificate(
    trust, procedure, citizen, officer, leader, justice
):
    _sim, _ca, paths = trust
    configure_agency(justice, paths)
    d = _approved(procedure, citizen, officer, leader)
    doc = DossierDocument.objects.get(dossier=d, kind="result")
    sig = SignedDocument.objects.get(document=doc)
    data = doc.file.read()
    assert sig.sha256 == doc.sha256
    assert (sig.signer_name, sig.signer_title, sig.purpose) == (
        "Nguyễn Văn Lãnh Đạo",
        "Phó Giám đốc",
        "result",
    )
    assert _validate(data, paths["root"]).bottom_line
    check = services.pdf_verify(data=data)
    assert check.valid and check.issued and check.dossier_code == d.code
    # The receipt of the intake carries the system's seal.
    receipt = DossierDocument.objects.get(dossier=d, kind="receipt")
    assert receipt.signature.purpose == "seal"
    assert _validate(receipt.file.read(), paths["root"]).bottom_line


def test_a_revoked_agency_certificate_refuses_the_approval(
    trust, procedure, citizen, officer, leader, justice
):
    _sim, _ca, paths = trust
    configure_agency(justice, paths, "revoked")
    d = in_processing(procedure, citizen, officer)
    with pytest.raises(ProblemError) as err:
        dossier_services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
    assert err.value.code == "signing_refused"
    d.refresh_from_db()
    assert d.status == "processing"
    assert not DossierDocument.objects.filter(dossier=d, kind="result").exists()


def test_b_lt_in_the_signing_revision(trust):
    """The revocation data goes into the DSS of the revision carrying the signature: one revision
    added, nothing after the signature for a verifier to analyse."""
    _sim, _ca, paths = trust
    data, level = services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths))
    reader = PdfFileReader(io.BytesIO(data))
    assert level == "B-LT" and "/DSS" in reader.root
    assert (
        reader.xrefs.total_revisions
        == PdfFileReader(io.BytesIO(pdf_bytes())).xrefs.total_revisions + 1
    )
    status = _validate(data, paths["root"])
    assert status.bottom_line and status.coverage.name == "ENTIRE_FILE"


def test_the_kept_signing_certificate_attribute_is_pyhankos_own(trust):
    """The signing-certificate-v2 attribute is encoded once per signer (from then on read from its
    DER) and is the value pyHanko builds: the certificate's SHA-256, issuer and serial number. The
    time-stamp token's signing-certificate attribute, kept the same way by the simulator's TSA,
    names the TSA's certificate."""
    from asn1crypto import tsp
    from pyhanko.sign.general import as_signing_certificate, as_signing_certificate_v2

    _sim, _ca, paths = trust
    credential = _credential(paths)
    expected = as_signing_certificate_v2(credential.signer.signing_cert).dump()
    for text in ("Giấy khai sinh", "Giấy phép xây dựng"):
        data, _level = services.pdf_sign(pdf=pdf_bytes(text), credential=credential)
        status = _validate(data, paths["root"])
        assert status.bottom_line and status.intact and status.valid and status.trusted
        assert status.timestamp_validity is not None and status.timestamp_validity.valid
        signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
        attrs = {a["type"].native: a for a in signature.signer_info["signed_attrs"]}
        assert attrs["signing_certificate_v2"]["values"][0].dump() == expected
        token = signature.signer_info["unsigned_attrs"][0]["values"][0]["content"]
        tsa_attrs = {a["type"].native: a for a in token["signer_infos"][0]["signed_attrs"]}
        tsa_cert = status.timestamp_validity.signing_cert
        assert (
            tsa_attrs["signing_certificate"]["values"][0].dump()
            == as_signing_certificate(tsa_cert).dump()
        )
        assert isinstance(attrs["signing_certificate_v2"]["values"][0], tsp.SigningCertificateV2)
    assert credential.signer.signing_certificate_v2() == expected


def test_an_rsa_signer_validates(trust, settings, tmp_path):
    """The kept private key signs with RSA (what public CAs issue to agencies) as with ECDSA."""
    from opendvc.signing import testca

    sim, _ca, _paths = trust
    ca = testca.build(sim.url, rsa=("signer",))
    sim.use(ca)
    paths = ca.write(tmp_path / "rsa")
    settings.SIGNING_TRUST_ROOTS = str(paths["root"])
    services.caches_clear()
    data, level = services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths))
    status = _validate(data, paths["root"])
    assert level == "B-LT" and status.bottom_line
    assert status.signing_cert.public_key.algorithm == "rsa"


def test_the_pkcs12_is_read_once_per_file_and_again_when_it_changes(trust, monkeypatch):
    from pyhanko.sign import signers

    _sim, ca, paths = trust
    services._load.cache_clear()
    calls = []
    original = signers.SimpleSigner.load_pkcs12.__func__

    def counting(cls, *args, **kwargs):
        calls.append(args[0])
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(signers.SimpleSigner, "load_pkcs12", classmethod(counting))
    first = _credential(paths)
    assert _credential(paths).signer is first.signer and len(calls) == 1
    paths["signer"].write_bytes(ca.pkcs12("signer", passphrase="doi-mat-khau"))
    second = services.credential_load(path=str(paths["signer"]), passphrase="doi-mat-khau")
    assert second.signer is not first.signer and len(calls) == 2


def test_revocation_answers_are_reused_then_asked_again(trust, monkeypatch):
    """One OCSP request for many signatures; a revocation published meanwhile is seen once the
    reuse time (``SIGNING_REVOCATION_MAX_AGE``, 300 s by default) has passed."""
    sim, ca, paths = trust
    before = len(sim.received)
    for _ in range(3):
        services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths))
    assert [r.path for r in sim.received[before:]].count("/ocsp") == 1
    ca.revoke("signer")
    # Within the reuse time the kept answer is used...
    services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths))
    # ...and once it has passed, the responder's new answer refuses the signature.
    later = services._clock() + services.revocation_max_age() + 1
    monkeypatch.setattr(services, "_clock", lambda: later)
    with pytest.raises(ProblemError) as err:
        services.pdf_sign(pdf=pdf_bytes(), credential=_credential(paths))
    assert err.value.code == "signing_refused" and "thu hồi" in str(err.value)


def test_revocation_reuse_is_bounded_by_next_update_and_the_setting(trust, settings):
    _sim, _ca, paths = trust
    settings.SIGNING_REVOCATION_MAX_AGE = 10**9
    vc = services.credential_check(_credential(paths))
    # The simulator's OCSP answers are good for 12 hours, its CRLs for a day.
    assert 11 * 3600 < services._revocation_reuse(vc) <= 12 * 3600
    settings.SIGNING_REVOCATION_MAX_AGE = 120
    assert services._revocation_reuse(vc) == 120


def test_the_tsa_connection_is_kept(trust):
    sim, _ca, paths = trust
    cred = _credential(paths)
    services.pdf_sign(pdf=pdf_bytes(), credential=cred)
    client = services._timestamper(f"{sim.url}/tsa")._client
    services.pdf_sign(pdf=pdf_bytes(), credential=cred)
    assert services._timestamper(f"{sim.url}/tsa")._client is client
    assert len(client._transport._pool.connections) == 1


def test_a_container_larger_than_the_room_is_signed_again_with_more(trust, monkeypatch):
    _sim, _ca, paths = trust
    monkeypatch.setattr(services, "SIGNATURE_BYTES", 2048)
    cred = _credential(paths)
    data, _level = services.pdf_sign(pdf=pdf_bytes(), credential=cred)
    assert _validate(data, paths["root"]).bottom_line
    assert services._room[cred.signer.signing_cert.dump()] in (4 * 2048, 16 * 2048)


def test_the_stamp_draws_the_qr_code_of_the_verification_url(trust):
    import re

    import segno

    _sim, _ca, paths = trust
    url = "https://dichvucong.example/xac-thuc-ket-qua/?ma=000.00.32.H19-261202-0001&khoa=ABCD1234"
    data, _level = services.pdf_sign(
        pdf=pdf_bytes("Giấy khai sinh"), credential=_credential(paths), qr_url=url
    )
    reader = PdfFileReader(io.BytesIO(data))
    field = reader.root["/AcroForm"]["/Fields"][0].get_object()
    appearance = field["/AP"]["/N"].get_object()
    stamp = appearance["/Resources"]["/XObject"]
    while "/QR" not in stamp:  # the QR code sits in the stamp's inner form
        stamp = next(iter(stamp.values())).get_object()["/Resources"]["/XObject"]
    qr = stamp["/QR"].get_object()
    symbol = segno.make_qr(url, error="m", boost_error=False, mask=services.QR_MASK)
    n = symbol.symbol_size(border=0)[0]
    # The same size as pyHanko's own drawing: 10 units a module, a quiet zone of 4 modules.
    assert sorted(float(v) for v in qr["/BBox"]) == [0, 0, (n + 8) * 10, (n + 8) * 10]
    drawn = [[False] * n for _ in range(n)]
    for x, y, w in re.findall(rb"(\d+) (\d+) (\d+) 1 re", qr.data):
        for i in range(int(w)):
            drawn[int(y)][int(x) + i] = True
    assert drawn == [[bool(m) for m in row] for row in symbol.matrix]
