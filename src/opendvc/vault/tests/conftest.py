from opendvc.dossiers.tests.conftest import (  # noqa: F401 - fixtures shared with the dossier tests
    agencies,
    citizen,
    justice,
    leader,
    officer,
    procedure,
    stranger,
)
from opendvc.signing.tests.conftest import _trust_server, trust  # noqa: F401
