"""Index the rows an INSERT writes once per statement, not once per row (PostgreSQL only).

Each indexed table's row trigger ran a function and an INSERT into the index for every row
inserted: for the thousands of rows of a bulk import (recommendations, findings) most of the
time of the insert. An AFTER INSERT trigger FOR EACH STATEMENT reads the statement's rows
(its transition table) and indexes them in one INSERT … SELECT; the pause that
`tracker.search.indexed_together` sets is honoured as before. Updates and deletes stay row
triggers (a trigger with a column list cannot have a transition table). The SQL is written
here as it is at this migration, so replaying it always builds the same triggers. SQLite's
triggers are untouched.
"""

from django.db import migrations

TABLES = [
    ("tracker_search_tracker_recommendation", "tracker_recommendation"),
    ("tracker_search_tracker_country", "tracker_country"),
    ("tracker_search_tracker_report", "tracker_report"),
    ("tracker_search_tracker_finding", "tracker_finding"),
    ("tracker_search_tracker_evidence", "tracker_evidence"),
    ("tracker_search_tracker_statuschange", "tracker_statuschange"),
    ("tracker_search_tracker_assessment", "tracker_assessment"),
]

# Statement-level insert triggers, and the row triggers left for updates and deletes.
FORWARD = [
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_recommendation_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 1) THEN RETURN NULL; END IF; INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT inserted.id * 8 + 1, 1, inserted.id, inserted.reference, inserted.text FROM inserted ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_recommendation_insert AFTER INSERT ON tracker_recommendation REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tracker_search_tracker_recommendation_insert()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_recommendation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 1; IF TG_OP = 'UPDATE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 1, 1, NEW.id, NEW.reference, NEW.text ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_recommendation AFTER DELETE OR UPDATE OF reference, text ON tracker_recommendation FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_recommendation()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_country_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 2) THEN RETURN NULL; END IF; INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT inserted.id * 8 + 2, 2, inserted.id, inserted.name, CASE WHEN jsonb_typeof(inserted.aliases) = 'array' THEN coalesce((SELECT string_agg(value, ' ') FROM jsonb_array_elements_text(inserted.aliases)), '') ELSE '' END FROM inserted ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_country_insert AFTER INSERT ON tracker_country REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tracker_search_tracker_country_insert()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_country() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 2; IF TG_OP = 'UPDATE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 2, 2, NEW.id, NEW.name, CASE WHEN jsonb_typeof(NEW.aliases) = 'array' THEN coalesce((SELECT string_agg(value, ' ') FROM jsonb_array_elements_text(NEW.aliases)), '') ELSE '' END ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_country AFTER DELETE OR UPDATE OF name, aliases ON tracker_country FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_country()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_report_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 3) THEN RETURN NULL; END IF; INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT inserted.id * 8 + 3, 3, inserted.id, inserted.title, inserted.introduction || ' ' || inserted.tier_statement || ' ' || CASE WHEN jsonb_typeof(inserted.sections) = 'object' THEN coalesce((SELECT string_agg(value, ' ') FROM jsonb_each_text(inserted.sections)), '') ELSE '' END FROM inserted ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_report_insert AFTER INSERT ON tracker_report REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tracker_search_tracker_report_insert()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_report() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 3; IF TG_OP = 'UPDATE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 3, 3, NEW.id, NEW.title, NEW.introduction || ' ' || NEW.tier_statement || ' ' || CASE WHEN jsonb_typeof(NEW.sections) = 'object' THEN coalesce((SELECT string_agg(value, ' ') FROM jsonb_each_text(NEW.sections)), '') ELSE '' END ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_report AFTER DELETE OR UPDATE OF title, introduction, tier_statement, sections ON tracker_report FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_report()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_finding_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 4) THEN RETURN NULL; END IF; INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT inserted.id * 8 + 4, 4, inserted.id, '', inserted.text FROM inserted ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_finding_insert AFTER INSERT ON tracker_finding REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tracker_search_tracker_finding_insert()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_finding() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 4; IF TG_OP = 'UPDATE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 4, 4, NEW.id, '', NEW.text ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_finding AFTER DELETE OR UPDATE OF text ON tracker_finding FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_finding()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_evidence_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 5) THEN RETURN NULL; END IF; INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT inserted.id * 8 + 5, 5, inserted.id, inserted.title, inserted.summary || ' ' || inserted.quote || ' ' || inserted.source_name FROM inserted ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_evidence_insert AFTER INSERT ON tracker_evidence REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tracker_search_tracker_evidence_insert()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 5; IF TG_OP = 'UPDATE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 5, 5, NEW.id, NEW.title, NEW.summary || ' ' || NEW.quote || ' ' || NEW.source_name ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_evidence AFTER DELETE OR UPDATE OF title, summary, quote, source_name ON tracker_evidence FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_evidence()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_statuschange_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 6) THEN RETURN NULL; END IF; INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT inserted.id * 8 + 6, 6, inserted.id, '', inserted.reason FROM inserted ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_statuschange_insert AFTER INSERT ON tracker_statuschange REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tracker_search_tracker_statuschange_insert()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_statuschange() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 6; IF TG_OP = 'UPDATE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 6, 6, NEW.id, '', NEW.reason ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_statuschange AFTER DELETE OR UPDATE OF reason ON tracker_statuschange FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_statuschange()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_assessment_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 7) THEN RETURN NULL; END IF; INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT inserted.id * 8 + 7, 7, inserted.id, '', inserted.narrative FROM inserted ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_assessment_insert AFTER INSERT ON tracker_assessment REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tracker_search_tracker_assessment_insert()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_assessment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 7; IF TG_OP = 'UPDATE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_assessment AFTER DELETE OR UPDATE OF narrative ON tracker_assessment FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_assessment()",
]

# The row triggers as 0016 made them, for inserts too.
BACKWARD = [
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_recommendation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 1) THEN RETURN NULL; END IF; IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 1; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 1, 1, NEW.id, NEW.reference, NEW.text ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_recommendation AFTER INSERT OR DELETE OR UPDATE OF reference, text ON tracker_recommendation FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_recommendation()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_country() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 2) THEN RETURN NULL; END IF; IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 2; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 2, 2, NEW.id, NEW.name, CASE WHEN jsonb_typeof(NEW.aliases) = 'array' THEN coalesce((SELECT string_agg(value, ' ') FROM jsonb_array_elements_text(NEW.aliases)), '') ELSE '' END ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_country AFTER INSERT OR DELETE OR UPDATE OF name, aliases ON tracker_country FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_country()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_report() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 3) THEN RETURN NULL; END IF; IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 3; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 3, 3, NEW.id, NEW.title, NEW.introduction || ' ' || NEW.tier_statement || ' ' || CASE WHEN jsonb_typeof(NEW.sections) = 'object' THEN coalesce((SELECT string_agg(value, ' ') FROM jsonb_each_text(NEW.sections)), '') ELSE '' END ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_report AFTER INSERT OR DELETE OR UPDATE OF title, introduction, tier_statement, sections ON tracker_report FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_report()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_finding() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 4) THEN RETURN NULL; END IF; IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 4; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 4, 4, NEW.id, '', NEW.text ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_finding AFTER INSERT OR DELETE OR UPDATE OF text ON tracker_finding FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_finding()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 5) THEN RETURN NULL; END IF; IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 5; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 5, 5, NEW.id, NEW.title, NEW.summary || ' ' || NEW.quote || ' ' || NEW.source_name ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_evidence AFTER INSERT OR DELETE OR UPDATE OF title, summary, quote, source_name ON tracker_evidence FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_evidence()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_statuschange() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 6) THEN RETURN NULL; END IF; IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 6; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 6, 6, NEW.id, '', NEW.reason ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_statuschange AFTER INSERT OR DELETE OR UPDATE OF reason ON tracker_statuschange FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_statuschange()",
    "CREATE OR REPLACE FUNCTION tracker_search_tracker_assessment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 7) THEN RETURN NULL; END IF; IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 7; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tracker_search_tracker_assessment AFTER INSERT OR DELETE OR UPDATE OF narrative ON tracker_assessment FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_assessment()",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        # Present already if `tracker.search.repair_after_migrate` set the index up anew.
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_insert ON {table}")
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in TABLES:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}_insert() CASCADE")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0036_lineage_closure_without_duplicate_indexes"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
