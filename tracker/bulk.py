"""Bulk writes for the import: plain rows in one prepared statement, ids in query-sized chunks.

`QuerySet.bulk_create` builds a model instance and prepares every value through the ORM, which
for the tens of thousands of small rows of a large import (findings, their links to the
recommendations, the lineage closure) costs several times what the database spends storing
them. `insert_rows` sends such rows straight to the database driver: the values must already
be what the columns hold (ids, numbers, text), and nothing that `save` would do is done.
`insert_objects` does the same for model instances whose ids are needed afterwards. The
database's own triggers (the search index) still run for every row.
"""

from django.db import connection

# PostgreSQL's protocol carries at most this many parameters in one statement when they are
# bound on the server (Django binds them on the client by default, and states no limit); SQLite's
# own limit is the backend's `max_query_params`. Both inserts keep to it, so a statement's size
# stays bounded whatever the batch.
_PG_MAX_PARAMS = 65535


def _rows_per_statement(columns: int) -> int:
    """Return how many rows of `columns` values one statement may carry on this database."""
    limit = connection.features.max_query_params or _PG_MAX_PARAMS
    return max(limit // columns, 1)


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (tuples of values for `fields`) into `model`'s table, one statement."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.features.max_query_params:
            # SQLite: one prepared statement stepped once per row is its fastest bulk insert.
            values = "(" + ", ".join(["%s"] * len(fields)) + ")"
            insert = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
            cursor.executemany(insert + values, rows)
            return
        # PostgreSQL runs a statement per row of executemany, and parses a VALUES list of
        # thousands of rows expression by expression: one array a column, unnested, costs
        # the server and the driver a fraction of either.
        meta = model._meta
        arrays = ", ".join(f"%s::{meta.get_field(name).db_type(connection)}[]" for name in fields)
        select = f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays})"
        size = _rows_per_statement(len(fields))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(select, [list(column) for column in zip(*chunk, strict=True)])


# Values of these types go to the driver as they are; any other (dates, JSON) is prepared by
# its field, as the ORM would.
_PLAIN = (int, str, float, bool, type(None))


def insert_objects(model, objs: list, fields: list[str] | None = None) -> None:
    """Insert new instances of `model` (every column but the id, or `fields`) and set their ids.

    What `QuerySet.bulk_create` does for instances that carry every value already (defaults
    are applied when an instance is made): one multi-row INSERT … RETURNING per chunk of
    rows (on PostgreSQL from one array a column), the ids read back in the order the rows were
    given, as `bulk_create` reads them. Without the ORM's per-value compilation, which for
    thousands of rows costs many times the statement itself.
    """
    if not objs:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    if fields is None:
        columns = [field for field in meta.concrete_fields if not field.primary_key]
    else:
        columns = [meta.get_field(name) for name in fields]
    names = ", ".join(quote(field.column) for field in columns)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    size = _rows_per_statement(len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = []
            for obj in chunk:
                for field in columns:
                    value = getattr(obj, field.attname)
                    if type(value) not in _PLAIN:
                        value = field.get_db_prep_save(value, connection)
                    params.append(value)
            if connection.features.max_query_params:
                row = "(" + ", ".join(["%s"] * len(columns)) + ")"
                cursor.execute(
                    f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES "
                    + ", ".join([row] * len(chunk))
                    + f" RETURNING {quote(meta.pk.column)}",
                    params,
                )
            else:
                # As `insert_rows`: one array a column. The rows are inserted, and their ids
                # returned, in the arrays' order (as Django's own bulk_create relies on).
                width = len(columns)
                cursor.execute(
                    f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT * FROM unnest({arrays}) "
                    f"RETURNING {quote(meta.pk.column)}",
                    [params[i::width] for i in range(width)],
                )
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def chunks(ids: list) -> list[list]:
    """Split `ids` into lists that fit in one query's parameters on this database."""
    limit = connection.features.max_query_params
    size = limit - 99 if limit else max(len(ids), 1)
    return [ids[i : i + size] for i in range(0, len(ids), size)]
