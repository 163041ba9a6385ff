"""The full-text index: an FTS5 table on SQLite, a tsvector under a GIN index on PostgreSQL.

Database triggers on the indexed tables keep it current; the rows already there are indexed
here.

The SQL is written out below as `tracker.search` produced it when this migration was added, so
that replaying the migration runs the SQL of its time, whatever that module says today. (After
`migrate`, `tracker.search.repair_after_migrate` sets the index up again from today's code if a
trigger is missing.)
"""

import tracker.models
from django.db import migrations, models

# The index's table and the triggers that keep it current, by database.
SCHEMA = {
    "sqlite": [
        (
            "CREATE VIRTUAL TABLE tracker_search USING fts5(title, body, kind UNINDEXED, object_id "
            "UNINDEXED, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_recommendation_insert AFTER INSERT ON "
            "tracker_recommendation BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 1, 1, NEW.id, NEW.reference, NEW.text; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_recommendation_update AFTER UPDATE OF "
            "reference, text ON tracker_recommendation BEGIN DELETE FROM tracker_search WHERE "
            "rowid = OLD.id * 8 + 1; INSERT OR REPLACE INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 1, 1, NEW.id, NEW.reference, NEW.text; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_recommendation_delete AFTER DELETE ON "
            "tracker_recommendation BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 1; "
            "END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_country_insert AFTER INSERT ON tracker_country "
            "BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) "
            "SELECT NEW.id * 8 + 2, 2, NEW.id, NEW.name, coalesce((SELECT group_concat(value, ' ') "
            "FROM json_each(NEW.aliases)), ''); END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_country_update AFTER UPDATE OF name, aliases ON "
            "tracker_country BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 2; INSERT "
            "OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * "
            "8 + 2, 2, NEW.id, NEW.name, coalesce((SELECT group_concat(value, ' ') FROM "
            "json_each(NEW.aliases)), ''); END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_country_delete AFTER DELETE ON tracker_country "
            "BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 2; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_report_insert AFTER INSERT ON tracker_report "
            "BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) "
            "SELECT NEW.id * 8 + 3, 3, NEW.id, NEW.title, NEW.introduction || ' ' || "
            "NEW.tier_statement || ' ' || coalesce((SELECT group_concat(value, ' ') FROM "
            "json_each(NEW.sections)), ''); END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_report_update AFTER UPDATE OF title, "
            "introduction, tier_statement, sections ON tracker_report BEGIN DELETE FROM "
            "tracker_search WHERE rowid = OLD.id * 8 + 3; INSERT OR REPLACE INTO tracker_search "
            "(rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 3, 3, NEW.id, NEW.title, "
            "NEW.introduction || ' ' || NEW.tier_statement || ' ' || coalesce((SELECT "
            "group_concat(value, ' ') FROM json_each(NEW.sections)), ''); END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_report_delete AFTER DELETE ON tracker_report "
            "BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 3; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_finding_insert AFTER INSERT ON tracker_finding "
            "BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) "
            "SELECT NEW.id * 8 + 4, 4, NEW.id, '', NEW.text; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_finding_update AFTER UPDATE OF text ON "
            "tracker_finding BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 4; INSERT "
            "OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * "
            "8 + 4, 4, NEW.id, '', NEW.text; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_finding_delete AFTER DELETE ON tracker_finding "
            "BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 4; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_evidence_insert AFTER INSERT ON "
            "tracker_evidence BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, "
            "title, body) SELECT NEW.id * 8 + 5, 5, NEW.id, NEW.title, NEW.summary || ' ' || "
            "NEW.quote || ' ' || NEW.source_name; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_evidence_update AFTER UPDATE OF title, summary, "
            "quote, source_name ON tracker_evidence BEGIN DELETE FROM tracker_search WHERE rowid = "
            "OLD.id * 8 + 5; INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, "
            "body) SELECT NEW.id * 8 + 5, 5, NEW.id, NEW.title, NEW.summary || ' ' || NEW.quote || "
            "' ' || NEW.source_name; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_evidence_delete AFTER DELETE ON "
            "tracker_evidence BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 5; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_statuschange_insert AFTER INSERT ON "
            "tracker_statuschange BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 6, 6, NEW.id, '', NEW.reason; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_statuschange_update AFTER UPDATE OF reason ON "
            "tracker_statuschange BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 6; "
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "NEW.id * 8 + 6, 6, NEW.id, '', NEW.reason; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_statuschange_delete AFTER DELETE ON "
            "tracker_statuschange BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 6; "
            "END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_assessment_insert AFTER INSERT ON "
            "tracker_assessment BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_assessment_update AFTER UPDATE OF narrative ON "
            "tracker_assessment BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 7; "
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_assessment_delete AFTER DELETE ON "
            "tracker_assessment BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 7; END"
        ),
    ],
    "postgresql": [
        (
            "CREATE TABLE tracker_search (rowid bigint PRIMARY KEY, kind smallint NOT NULL, "
            "object_id bigint NOT NULL, title text NOT NULL DEFAULT '', body text NOT NULL DEFAULT "
            "'', tracker_search tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', "
            "translate(title, '-‐–—/._@:+#&=?~\\', '                ')), 'A') || "
            "setweight(to_tsvector('simple', translate(body, '-‐–—/._@:+#&=?~\\', '                "
            "')), 'B')) STORED)"
        ),
        "CREATE INDEX tracker_search_document_idx ON tracker_search USING gin (tracker_search)",
        (
            "CREATE FUNCTION tracker_search_tracker_recommendation() RETURNS trigger LANGUAGE "
            "plpgsql AS $$ BEGIN IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid "
            "= OLD.id * 8 + 1; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search "
            "(rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 1, 1, NEW.id, "
            "NEW.reference, NEW.text ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, "
            "body = EXCLUDED.body; END IF; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_recommendation AFTER INSERT OR DELETE OR UPDATE "
            "OF reference, text ON tracker_recommendation FOR EACH ROW EXECUTE FUNCTION "
            "tracker_search_tracker_recommendation()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_recommendation_truncate() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE kind = 1; RETURN NULL; "
            "END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_recommendation_truncate AFTER TRUNCATE ON "
            "tracker_recommendation FOR EACH STATEMENT EXECUTE FUNCTION "
            "tracker_search_tracker_recommendation_truncate()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_country() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * "
            "8 + 2; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 2, 2, NEW.id, NEW.name, CASE WHEN "
            "jsonb_typeof(NEW.aliases) = 'array' THEN coalesce((SELECT string_agg(value, ' ') FROM "
            "jsonb_array_elements_text(NEW.aliases)), '') ELSE '' END ON CONFLICT (rowid) DO "
            "UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_country AFTER INSERT OR DELETE OR UPDATE OF "
            "name, aliases ON tracker_country FOR EACH ROW EXECUTE FUNCTION "
            "tracker_search_tracker_country()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_country_truncate() RETURNS trigger LANGUAGE "
            "plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE kind = 2; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_country_truncate AFTER TRUNCATE ON "
            "tracker_country FOR EACH STATEMENT EXECUTE FUNCTION "
            "tracker_search_tracker_country_truncate()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_report() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * "
            "8 + 3; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 3, 3, NEW.id, NEW.title, NEW.introduction "
            "|| ' ' || NEW.tier_statement || ' ' || CASE WHEN jsonb_typeof(NEW.sections) = "
            "'object' THEN coalesce((SELECT string_agg(value, ' ') FROM "
            "jsonb_each_text(NEW.sections)), '') ELSE '' END ON CONFLICT (rowid) DO UPDATE SET "
            "title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_report AFTER INSERT OR DELETE OR UPDATE OF "
            "title, introduction, tier_statement, sections ON tracker_report FOR EACH ROW EXECUTE "
            "FUNCTION tracker_search_tracker_report()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_report_truncate() RETURNS trigger LANGUAGE "
            "plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE kind = 3; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_report_truncate AFTER TRUNCATE ON "
            "tracker_report FOR EACH STATEMENT EXECUTE FUNCTION "
            "tracker_search_tracker_report_truncate()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_finding() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * "
            "8 + 4; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 4, 4, NEW.id, '', NEW.text ON CONFLICT "
            "(rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN "
            "NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_finding AFTER INSERT OR DELETE OR UPDATE OF "
            "text ON tracker_finding FOR EACH ROW EXECUTE FUNCTION tracker_search_tracker_finding()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_finding_truncate() RETURNS trigger LANGUAGE "
            "plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE kind = 4; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_finding_truncate AFTER TRUNCATE ON "
            "tracker_finding FOR EACH STATEMENT EXECUTE FUNCTION "
            "tracker_search_tracker_finding_truncate()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_evidence() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id * "
            "8 + 5; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 5, 5, NEW.id, NEW.title, NEW.summary || ' "
            "' || NEW.quote || ' ' || NEW.source_name ON CONFLICT (rowid) DO UPDATE SET title = "
            "EXCLUDED.title, body = EXCLUDED.body; END IF; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_evidence AFTER INSERT OR DELETE OR UPDATE OF "
            "title, summary, quote, source_name ON tracker_evidence FOR EACH ROW EXECUTE FUNCTION "
            "tracker_search_tracker_evidence()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_evidence_truncate() RETURNS trigger LANGUAGE "
            "plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE kind = 5; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_evidence_truncate AFTER TRUNCATE ON "
            "tracker_evidence FOR EACH STATEMENT EXECUTE FUNCTION "
            "tracker_search_tracker_evidence_truncate()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_statuschange() RETURNS trigger LANGUAGE "
            "plpgsql AS $$ BEGIN IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid "
            "= OLD.id * 8 + 6; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search "
            "(rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 6, 6, NEW.id, '', "
            "NEW.reason ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = "
            "EXCLUDED.body; END IF; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_statuschange AFTER INSERT OR DELETE OR UPDATE "
            "OF reason ON tracker_statuschange FOR EACH ROW EXECUTE FUNCTION "
            "tracker_search_tracker_statuschange()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_statuschange_truncate() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE kind = 6; RETURN NULL; "
            "END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_statuschange_truncate AFTER TRUNCATE ON "
            "tracker_statuschange FOR EACH STATEMENT EXECUTE FUNCTION "
            "tracker_search_tracker_statuschange_truncate()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_assessment() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN IF TG_OP <> 'INSERT' THEN DELETE FROM tracker_search WHERE rowid = OLD.id "
            "* 8 + 7; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO tracker_search (rowid, kind, "
            "object_id, title, body) SELECT NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative ON "
            "CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; END IF; "
            "RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_assessment AFTER INSERT OR DELETE OR UPDATE OF "
            "narrative ON tracker_assessment FOR EACH ROW EXECUTE FUNCTION "
            "tracker_search_tracker_assessment()"
        ),
        (
            "CREATE FUNCTION tracker_search_tracker_assessment_truncate() RETURNS trigger LANGUAGE "
            "plpgsql AS $$ BEGIN DELETE FROM tracker_search WHERE kind = 7; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_assessment_truncate AFTER TRUNCATE ON "
            "tracker_assessment FOR EACH STATEMENT EXECUTE FUNCTION "
            "tracker_search_tracker_assessment_truncate()"
        ),
    ],
}

# Index every row already in the indexed tables.
REFILL = {
    "sqlite": [
        "DELETE FROM tracker_search",
        (
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_recommendation.id * 8 + 1, 1, tracker_recommendation.id, "
            "tracker_recommendation.reference, tracker_recommendation.text FROM "
            "tracker_recommendation"
        ),
        (
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_country.id * 8 + 2, 2, tracker_country.id, tracker_country.name, "
            "coalesce((SELECT group_concat(value, ' ') FROM json_each(tracker_country.aliases)), "
            "'') FROM tracker_country"
        ),
        (
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_report.id * 8 + 3, 3, tracker_report.id, tracker_report.title, "
            "tracker_report.introduction || ' ' || tracker_report.tier_statement || ' ' || "
            "coalesce((SELECT group_concat(value, ' ') FROM json_each(tracker_report.sections)), "
            "'') FROM tracker_report"
        ),
        (
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_finding.id * 8 + 4, 4, tracker_finding.id, '', tracker_finding.text FROM "
            "tracker_finding"
        ),
        (
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_evidence.id * 8 + 5, 5, tracker_evidence.id, tracker_evidence.title, "
            "tracker_evidence.summary || ' ' || tracker_evidence.quote || ' ' || "
            "tracker_evidence.source_name FROM tracker_evidence"
        ),
        (
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_statuschange.id * 8 + 6, 6, tracker_statuschange.id, '', "
            "tracker_statuschange.reason FROM tracker_statuschange"
        ),
        (
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_assessment.id * 8 + 7, 7, tracker_assessment.id, '', "
            "tracker_assessment.narrative FROM tracker_assessment"
        ),
    ],
    "postgresql": [
        "DELETE FROM tracker_search",
        (
            "INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_recommendation.id * 8 + 1, 1, tracker_recommendation.id, "
            "tracker_recommendation.reference, tracker_recommendation.text FROM "
            "tracker_recommendation ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body "
            "= EXCLUDED.body"
        ),
        (
            "INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_country.id * 8 + 2, 2, tracker_country.id, tracker_country.name, CASE WHEN "
            "jsonb_typeof(tracker_country.aliases) = 'array' THEN coalesce((SELECT "
            "string_agg(value, ' ') FROM jsonb_array_elements_text(tracker_country.aliases)), '') "
            "ELSE '' END FROM tracker_country ON CONFLICT (rowid) DO UPDATE SET title = "
            "EXCLUDED.title, body = EXCLUDED.body"
        ),
        (
            "INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_report.id * 8 + 3, 3, tracker_report.id, tracker_report.title, "
            "tracker_report.introduction || ' ' || tracker_report.tier_statement || ' ' || CASE "
            "WHEN jsonb_typeof(tracker_report.sections) = 'object' THEN coalesce((SELECT "
            "string_agg(value, ' ') FROM jsonb_each_text(tracker_report.sections)), '') ELSE '' "
            "END FROM tracker_report ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, "
            "body = EXCLUDED.body"
        ),
        (
            "INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_finding.id * 8 + 4, 4, tracker_finding.id, '', tracker_finding.text FROM "
            "tracker_finding ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = "
            "EXCLUDED.body"
        ),
        (
            "INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_evidence.id * 8 + 5, 5, tracker_evidence.id, tracker_evidence.title, "
            "tracker_evidence.summary || ' ' || tracker_evidence.quote || ' ' || "
            "tracker_evidence.source_name FROM tracker_evidence ON CONFLICT (rowid) DO UPDATE SET "
            "title = EXCLUDED.title, body = EXCLUDED.body"
        ),
        (
            "INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_statuschange.id * 8 + 6, 6, tracker_statuschange.id, '', "
            "tracker_statuschange.reason FROM tracker_statuschange ON CONFLICT (rowid) DO UPDATE "
            "SET title = EXCLUDED.title, body = EXCLUDED.body"
        ),
        (
            "INSERT INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "tracker_assessment.id * 8 + 7, 7, tracker_assessment.id, '', "
            "tracker_assessment.narrative FROM tracker_assessment ON CONFLICT (rowid) DO UPDATE "
            "SET title = EXCLUDED.title, body = EXCLUDED.body"
        ),
    ],
}

# Remove the index's triggers (and their functions on PostgreSQL) and its table.
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS tracker_search_tracker_recommendation_insert",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_recommendation_update",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_recommendation_delete",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_country_insert",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_country_update",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_country_delete",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_report_insert",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_report_update",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_report_delete",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_finding_insert",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_finding_update",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_finding_delete",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_evidence_insert",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_evidence_update",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_evidence_delete",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_statuschange_insert",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_statuschange_update",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_statuschange_delete",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_assessment_insert",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_assessment_update",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_assessment_delete",
        "DROP TABLE IF EXISTS tracker_search",
    ],
    "postgresql": [
        "DROP FUNCTION IF EXISTS tracker_search_tracker_recommendation() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_recommendation_truncate() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_country() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_country_truncate() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_report() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_report_truncate() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_finding() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_finding_truncate() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_evidence() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_evidence_truncate() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_statuschange() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_statuschange_truncate() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_assessment() CASCADE",
        "DROP FUNCTION IF EXISTS tracker_search_tracker_assessment_truncate() CASCADE",
        "DROP TABLE IF EXISTS tracker_search",
    ],
}



def _execute(schema_editor, *groups):
    vendor = schema_editor.connection.vendor
    for group in groups:
        if vendor not in group:
            raise NotImplementedError(
                f"The search index is built for SQLite and PostgreSQL, not for {vendor}."
            )
        for statement in group[vendor]:
            schema_editor.execute(statement, params=None)


def create(apps, schema_editor):
    _execute(schema_editor, SCHEMA, REFILL)


def drop(apps, schema_editor):
    _execute(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0006_corrections")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "id",
                    models.BigIntegerField(db_column="rowid", primary_key=True, serialize=False),
                ),
                (
                    "kind",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "Recommendations"),
                            (2, "Countries"),
                            (3, "Narratives"),
                            (4, "Findings"),
                            (5, "Evidence"),
                            (6, "Status changes"),
                            (7, "Assessments"),
                        ]
                    ),
                ),
                ("object_id", models.BigIntegerField()),
                ("title", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                (
                    "document",
                    tracker.models.SearchDocumentField(db_column="tracker_search", editable=False),
                ),
            ],
            options={
                "verbose_name_plural": "search entries",
                "db_table": "tracker_search",
                "managed": False,
            },
        ),
        migrations.RunPython(create, drop),
    ]
