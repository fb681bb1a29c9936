"""Counting the SQL statements of each request, for the benchmarks over HTTP.

Enabled only by ``SQL_COUNT_HEADER`` (``bench/bench_http.py`` sets it): every response then carries
``X-SQL-Count``, the number of statements sent to any database while the view ran (the middleware
sits first, so the other middleware's statements — session, user, rate limits — are counted too).
Off by default: the wrapper costs a function call per statement.
"""

from __future__ import annotations

import contextlib

from django.db import connections
from django.http import HttpRequest, HttpResponse

HEADER = "X-SQL-Count"


class StatementCounter:
    """Counts the statements run on every database connection of this thread while entered."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    @contextlib.contextmanager
    def counting(self):
        with contextlib.ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(self))
            yield self


class SqlCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = StatementCounter()
        with counter.counting():
            response = self.get_response(request)
        response[HEADER] = str(counter.count)
        return response
