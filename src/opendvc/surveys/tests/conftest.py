from opendvc.feedback.tests.conftest import make_item, monday, org  # noqa: F401  (shared fixtures)
