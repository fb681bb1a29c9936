"""The demo's test CA is kept under ``var/testca`` between runs: a document signed on one run still
verifies on the next (same pinned root, same OCSP/TSA keys); a kept CA for another address or a
damaged file gives way to a new one."""

from __future__ import annotations

import pytest

from opendvc.dossiers.tests.conftest import pdf_bytes
from opendvc.signing import services, testca
from opendvc.signing.simulators import demo_ca

from .test_signing import _validate

pytestmark = pytest.mark.django_db


def _configure(settings, directory, url):
    settings.SIGNING_TRUST_ROOTS = str(directory / "root.pem")
    settings.SIGNING_TSA_URL = f"{url}/tsa"
    services.caches_clear()


def test_a_document_signed_on_one_run_verifies_on_the_next(_trust_server, settings, tmp_path):
    sim = _trust_server
    directory = tmp_path / "testca"
    first = demo_ca(directory, sim.url)
    sim.use(first)
    _configure(settings, directory, sim.url)
    credential = services.credential_load(
        path=str(directory / "seal.p12"), passphrase=testca.PASSPHRASE, name="Cổng"
    )
    signed, _level = services.pdf_sign(pdf=pdf_bytes("Biên lai"), credential=credential)
    root_before = (directory / "root.pem").read_bytes()

    # The next run: the simulator starts again and finds the kept CA.
    second = demo_ca(directory, sim.url)
    sim.use(second)
    _configure(settings, directory, sim.url)
    assert (directory / "root.pem").read_bytes() == root_before
    assert second.root.cert == first.root.cert and second.tsa.cert == first.tsa.cert
    assert second.revoked == first.revoked
    status = _validate(signed, directory / "root.pem")
    assert status.bottom_line and status.trusted
    services.caches_clear()


def test_a_kept_ca_for_another_address_or_a_damaged_one_is_replaced(_trust_server, tmp_path):
    directory = tmp_path / "testca"
    first = demo_ca(directory, "http://127.0.0.1:1")
    assert (directory / "state.json").exists()
    assert demo_ca(directory, "http://127.0.0.1:1").root.cert == first.root.cert
    moved = demo_ca(directory, _trust_server.url)
    assert moved.root.cert != first.root.cert and moved.base_url == _trust_server.url
    (directory / "state.json").write_text("{not json")
    assert testca.TestCA.load(directory) is None
    again = demo_ca(directory, _trust_server.url)
    assert again.root.cert != moved.root.cert
    assert testca.TestCA.load(directory).root.cert == again.root.cert


def test_the_settings_printed_point_at_the_kept_ca_in_the_data_folder(settings, tmp_path):
    """``run_simulators trust`` prints the settings to pin the demo's CA: they name the files where it
    is kept, under ``OPENDVC_VAR_DIR``, wherever that is."""
    from opendvc.core.simulators import REGISTRY

    settings.VAR_DIR = tmp_path / "data"
    printed = REGISTRY["trust"].settings("http://127.0.0.1:18510")
    assert printed["SIGNING_TRUST_ROOTS"] == str(tmp_path / "data" / "testca" / "root.pem")
    assert printed["SIGNING_SEAL_PKCS12"] == str(tmp_path / "data" / "testca" / "seal.p12")
