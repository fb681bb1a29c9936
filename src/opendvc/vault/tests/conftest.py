from opendvc.core.tests.s3server import bucket, s3_endpoint  # noqa: F401 - fixtures of the S3 tests
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
