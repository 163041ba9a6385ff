"""Bulk writes for the import: plain rows in one prepared statement, ids in query-sized chunks.

`QuerySet.bulk_create` builds a model instance and prepares every value through the ORM, which
for the tens of thousands of small rows of a large import (findings, their links to the
recommendations, the lineage closure) costs several times what the database spends storing
them. `insert_rows` sends such rows straight to the database driver: the values must already
be what the columns hold (ids, numbers, text), and nothing that `save` would do is done. The
database's own triggers (the search index) still run for every row.
"""

from django.db import connection


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (tuples of values for `fields`) into `model`'s table, one statement."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    values = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})", rows
        )


def chunks(ids: list) -> list[list]:
    """Split `ids` into lists that fit in one query's parameters on this database."""
    limit = connection.features.max_query_params
    size = limit - 99 if limit else max(len(ids), 1)
    return [ids[i : i + size] for i in range(0, len(ids), size)]
