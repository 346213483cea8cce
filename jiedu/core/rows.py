"""Single-row statements of a fixed shape for the hottest paths (a dose at the window).

``QuerySet.update()`` and ``select_for_update().get()`` compile a query tree on every call, which costs more
CPU than the round trip itself. These helpers write the same SQL directly from the model's metadata: table and
column names come from ``_meta``, every value is a bound parameter prepared by its field exactly as the ORM
would, and they run on the caller's connection and transaction. They bypass ``save()`` and signals, as
``update()`` does.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def update(model: type[models.Model], pk: Any, **values: Any) -> int:
    """``UPDATE … SET … WHERE pk = %s``; the number of rows changed (0 or 1)."""
    meta = model._meta
    fields = [meta.get_field(name) for name in values]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(model)} SET {assignments} "  # noqa: S608 -- names from _meta, values bound
            f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s",
            [*params, meta.pk.get_db_prep_value(pk, connection)],
        )
        return cursor.rowcount


def locked_values(model: type[models.Model], pk: Any, *names: str) -> dict[str, Any] | None:
    """The named fields of one row, locked to the end of the transaction (``SELECT … FOR UPDATE`` where the
    database has it; SQLite's IMMEDIATE transactions already serialise writers). ``None`` if there is no row."""
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {_table(model)} "  # noqa: S608 -- names from _meta, values bound
            f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s{lock}",
            [meta.pk.get_db_prep_value(pk, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = {}
    for f, value in zip(fields, row, strict=True):
        col = f.get_col(meta.db_table)
        for converter in [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]:
            value = converter(value, col, connection)
        values[f.name] = value
    return values


def insert(obj: models.Model, *, unless_conflict_on: tuple[str, ...] = ()) -> Any:
    """``INSERT … RETURNING pk`` of a new instance; sets and returns its primary key. With
    ``unless_conflict_on`` (the fields of a unique constraint), an existing row wins: nothing is written and
    ``None`` is returned (``ON CONFLICT … DO NOTHING``, which waits for a concurrent insert to settle and needs no
    savepoint). Field defaults and ``auto_now_add`` apply as in ``save()``; a constraint violation raises
    ``IntegrityError`` as the ORM does."""
    meta = obj._meta
    if meta.parents or not obj._state.adding or obj.pk is not None:
        raise ValueError("rows.insert() writes new rows of single-table models with a generated key.")
    fields = [f for f in meta.local_concrete_fields if f is not meta.pk]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    conflict = ""
    if unless_conflict_on:
        targets = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in unless_conflict_on)
        conflict = f" ON CONFLICT ({targets}) DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(type(obj))} ({columns}) VALUES ({marks}){conflict} "  # noqa: S608
            f"RETURNING {connection.ops.quote_name(meta.pk.column)}",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj.pk
