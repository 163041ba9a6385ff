"""The planner's estimate of a query's rows as a function (PostgreSQL), so a list page asks for
it in the statement that reads its page (`tracker.pagination`)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION tracker_row_estimate(query text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS tracker_row_estimate(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0031_recommendation_chain_last_effective"),
    ]

    operations = [migrations.RunPython(create, drop)]
