"""Fast inserts for imports of city size.

Django's ``bulk_create`` builds each statement field by field through the query compiler,
which dominates an import of 100,000 households. Here rows go in as plain tuples with one
``executemany`` per batch, their ids reserved first (so rows that point at each other —
a household at its head, a person at its household — are written in one pass; Django
creates foreign keys DEFERRABLE INITIALLY DEFERRED on SQLite and PostgreSQL, so they
are checked at commit). Call inside ``transaction.atomic()``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence

from django.db import connection, models

BATCH = 5000


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model`` that no other writer will take."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: finegrid opens write transactions IMMEDIATE, so no one else writes until
        # this transaction ends; AUTOINCREMENT then moves past the ids inserted here.
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
        start = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(start, found[0] if found else 0)
    return list(range(start + 1, start + 1 + count))


def _adapter(field: models.Field):
    """How a Python value of this field becomes a database parameter (None: as it is)."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        # JSON text binds to SQLite's TEXT and, as an untyped literal, to PostgreSQL's jsonb.
        return functools.partial(json.dumps, ensure_ascii=False, cls=field.encoder)
    return None


def insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (values in the order of ``fields``; use attnames such as
    ``household_id``). Returns how many rows went in."""
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    columns = [by_attname[name] for name in fields]
    adapters = [(i, adapt) for i, field in enumerate(columns) if (adapt := _adapter(field))]
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({names}) VALUES ({marks})"
    count = 0
    batch: list[list] = []
    # The last value adapted in each column, since imports repeat one timestamp per row.
    last: dict[int, tuple] = {}
    with connection.cursor() as cursor:
        for row in rows:
            values = list(row)
            for i, adapt in adapters:
                value = values[i]
                if value is None:
                    continue
                seen = last.get(i)
                if seen is not None and seen[0] is value:
                    values[i] = seen[1]
                else:
                    values[i] = adapt(value)
                    last[i] = (value, values[i])
            batch.append(values)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def chunked(values: Sequence, size: int = 900) -> Iterable[Sequence]:
    """Slices small enough for an ``IN (…)`` list on any database (SQLite caps the number
    of parameters in one statement)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
