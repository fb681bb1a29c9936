"""Request ids travel into log lines; production logs are JSON."""

import json
import logging

from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from opendvc.core.logging import RequestIdFilter, request_id_var


def test_log_records_carry_the_request_id(db, caplog):
    logger = logging.getLogger("opendvc.test")

    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING):
        Client().get("/khong-co/", HTTP_X_REQUEST_ID="req-42")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and records[-1].request_id == "req-42"
    token = request_id_var.set("req-43")
    try:
        with caplog.at_level(logging.INFO):
            logger.warning("hello")
        assert caplog.records[-1].request_id == "req-43"
    finally:
        request_id_var.reset(token)


def test_production_formatter_writes_json_lines():
    from opendvc.settings import base

    spec = dict(base.LOGGING["formatters"]["json"])
    formatter = JsonFormatter(spec["format"])
    record = logging.LogRecord("opendvc", logging.INFO, __file__, 1, "Đã nhận hồ sơ", (), None)
    record.request_id = "abc"
    line = json.loads(formatter.format(record))
    assert (
        line["message"] == "Đã nhận hồ sơ"
        and line["request_id"] == "abc"
        and line["levelname"] == "INFO"
    )
