"""Rows that are only ever appended: the history of dossiers and of feedback (Regulation Art. 4.2: no
one may alter or delete data messages).

Three guards, as for the audit log: the model refuses ``save`` of an existing row and ``delete``; its
QuerySet refuses ``update`` and ``delete``; on PostgreSQL a trigger refuses UPDATE and DELETE at the
database itself (``trigger_sql``, installed by each app's migration). SQLite has no such trigger: test
runs empty tables with DELETE between tests there; the two Python guards cover every path of the
application.
"""

from __future__ import annotations

from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or delete a history row from the application."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(
            f"{self.model._meta.label}: lịch sử chỉ được ghi thêm, không được sửa."
        )

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(
            f"{self.model._meta.label}: lịch sử chỉ được ghi thêm, không được sửa."
        )

    def delete(self):
        raise AppendOnlyError(
            f"{self.model._meta.label}: lịch sử chỉ được ghi thêm, không được xóa."
        )

    delete.queryset_only = True


def trigger_sql(table: str) -> tuple[str, str]:
    """PostgreSQL statements that install and remove the append-only trigger of ``table``."""
    up = f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    down = f"""
DROP TRIGGER IF EXISTS {table}_no_update ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""
    return up, down
