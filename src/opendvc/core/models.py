"""Tables of the core app: the shared rate-limit counters."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """One fixed-window counter of ``opendvc.core.ratelimit`` when the cache is not Redis.

    Incremented with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement, so every worker
    process counts in the same row atomically. Expired rows are removed by the retention job.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.count}"
