"""The test CA and its trust services (OCSP, CRL, TSA) on a real local HTTP server, pinned for the
test; agencies' certificates configured as an operator would."""

from __future__ import annotations

import pytest

from opendvc.dossiers.tests.conftest import (  # noqa: F401 - fixtures shared with the dossier tests
    agencies,
    citizen,
    justice,
    leader,
    officer,
    procedure,
    stranger,
)
from opendvc.signing import testca
from opendvc.signing.simulators import TrustServices


@pytest.fixture(scope="session")
def _trust_server():
    sim = TrustServices().start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def trust(_trust_server, settings, tmp_path):
    """A fresh test CA served by the trust-services simulator, its root pinned, the TSA configured and
    the system seal set; yields (simulator, CA, written paths)."""
    from opendvc.signing import services

    sim = _trust_server
    sim.switches.reset()
    ca = testca.build(sim.url)
    sim.use(ca)
    paths = ca.write(tmp_path / "ca")
    settings.SIGNING_TRUST_ROOTS = str(paths["root"])
    settings.SIGNING_TSA_URL = f"{sim.url}/tsa"
    settings.SIGNING_SEAL_PKCS12 = str(paths["seal"])
    settings.SIGNING_SEAL_PASSPHRASE = testca.PASSPHRASE
    services.caches_clear()
    yield sim, ca, paths
    services.caches_clear()


def configure_agency(
    agency, paths, name: str = "signer", *, signer_name="Nguyễn Văn Lãnh Đạo", title="Phó Giám đốc"
):
    from opendvc.signing.models import SigningCertificate

    row = SigningCertificate(
        agency=agency, signer_name=signer_name, signer_title=title, pkcs12_path=str(paths[name])
    )
    row.passphrase = testca.PASSPHRASE
    row.save()
    return row


def in_processing(of_procedure, applicant, by_officer):
    """A dossier of ``of_procedure`` filed by ``applicant``, received and in processing by
    ``by_officer``."""
    from opendvc.dossiers import services as dossier_services
    from opendvc.dossiers.tests.conftest import submitted_dossier

    d = submitted_dossier(of_procedure, applicant)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=by_officer)
    return dossier_services.dossier_act(dossier=d, action="start_processing", actor=by_officer)
