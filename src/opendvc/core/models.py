"""Tables of the core app: the shared rate-limit counters."""

from __future__ import annotations

from django.db import models

from .collation import sort_key


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


class SortedByName(models.Model):
    """A row listed by its Vietnamese ``name``: ``sort_name`` is the name's ``collation.sort_key``,
    written on every save, so that ``order_by("sort_name")`` is the Vietnamese alphabetical order on
    every database (``order_by("name")`` is the order of code points: "Đ…" after "Z…"). Code that
    writes ``name`` without ``save()`` (``bulk_create``, ``QuerySet.update``) writes ``sort_name``
    too. The database's own default (empty) lets the release before this column insert rows during a
    deploy."""

    sort_name = models.TextField(default="", db_default="", blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.sort_name = sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_name"}
        super().save(*args, **kwargs)
