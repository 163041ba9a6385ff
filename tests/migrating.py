"""Replay every migration on an empty database, in its own process, and report what it built.

Run by tests/test_migrations.py with `manage.py shell`, on the database its DATABASE_URL names.
The migrations are applied by Django's migration executor alone, without the `post_migrate`
signal, so the app's repair of the search index (`tracker.search.repair_after_migrate`) cannot
make up for what a migration got wrong. Rows are written before the index exists, between its
migrations (where SQLite's remade tables have lost their triggers) and after the last one, each
with a word of its own that a search must find; and assessments that lack a reviewer or a review
time, before the migrations that mend them and then refuse them.
"""

import datetime
import json

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The words each row carries, by when it was written.
WORDS = {"before": "Quillwort", "between": "Marramgrass", "after": "Saltbush"}


def search_objects() -> dict[str, list]:
    """Return the search index's database objects: its tables, triggers, functions, indexes."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE NOT tgisinternal ORDER BY tgname"
            )
            triggers = cursor.fetchall()
            cursor.execute(
                "SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
                "WHERE proname LIKE 'tracker\\_search%' ORDER BY proname"
            )
            functions = cursor.fetchall()
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE tablename LIKE 'tracker\\_search%' ORDER BY indexname"
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT table_name, column_name, data_type, is_nullable, column_default, "
                "generation_expression FROM information_schema.columns "
                "WHERE table_name LIKE 'tracker\\_search%' ORDER BY table_name, ordinal_position"
            )
            tables = cursor.fetchall()
            return {
                "triggers": triggers,
                "functions": functions,
                "indexes": indexes,
                "tables": tables,
            }
        cursor.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE type = 'trigger' OR name LIKE 'tracker\\_search%' ESCAPE '\\' "
            "ORDER BY type, name"
        )
        rows = cursor.fetchall()
    return {
        "triggers": [row for row in rows if row[0] == "trigger"],
        "tables": [row for row in rows if row[0] == "table"],
        "indexes": [row for row in rows if row[0] == "index"],
    }


def _migrate(executor: MigrationExecutor, target: tuple[str, str] | None = None):
    """Apply the migrations up to `target` (every app's latest without it); return the apps."""
    executor.loader.build_graph()
    targets = [target] if target else executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _write(apps, when: str, user_id=None):
    """Write a country, narrative, recommendation and evidence that carry the word of `when`."""
    word = WORDS[when]
    day = datetime.date(2021, 6, 1)
    User = apps.get_model("auth", "User")
    user = User.objects.get(pk=user_id) if user_id else User.objects.create(username="replay")
    country = apps.get_model("tracker", "Country").objects.create(
        name=f"{word} Islands", slug=when, code=when[:3].upper(), aliases=[f"{word}land"]
    )
    report = apps.get_model("tracker", "Report").objects.create(
        country=country,
        year=2021,
        tier="tier_3",
        title=f"2021 report on the {word} Islands",
        introduction="",
        source_text=word,
        source_sha256=when,
        period_start=datetime.date(2020, 4, 1),
        period_end=datetime.date(2021, 3, 31),
        follow_up_start=datetime.date(2021, 4, 1),
        follow_up_end=datetime.date(2022, 3, 31),
    )
    recommendation = apps.get_model("tracker", "Recommendation").objects.create(
        report=report,
        number=1,
        reference=f"{when[:3].upper()}-2021-01",
        text=f"Protect the {word} harvesters.",
        pillar="protection",
    )
    evidence = apps.get_model("tracker", "Evidence").objects.create(
        title=f"Survey of {word} camps",
        source_type="ngo",
        direction="progress",
        sensitivity="public",
        published_on=day,
        logged_by=user,
    )
    evidence.recommendations.set([recommendation])
    return {
        "country": country.pk,
        "report": report.pk,
        "recommendation": recommendation.pk,
        "evidence": evidence.pk,
        "user": user.pk,
    }


def _before(executor: MigrationExecutor, suffix: str) -> tuple[str, str]:
    """Return the migration the tracker migration whose name ends in `suffix` follows."""
    (name,) = [
        name
        for app, name in executor.loader.graph.nodes
        if app == "tracker" and name.endswith(suffix)
    ]
    (dependency,) = executor.loader.get_migration("tracker", name).dependencies
    return dependency


def _write_reviews(apps, recommendation_id: int) -> dict[str, int]:
    """Write approved and returned assessments that lack a reviewer or a review time."""
    User = apps.get_model("auth", "User")
    Assessment = apps.get_model("tracker", "Assessment")
    Event = apps.get_model("tracker", "AssessmentEvent")
    author = User.objects.create(username="author")
    reviewer = User.objects.create(username="reviewer")
    at = datetime.datetime(2022, 5, 2, 9, 30, tzinfo=datetime.UTC)
    changed = datetime.datetime(2022, 5, 3, 16, 0, tzinfo=datetime.UTC)
    rows = {
        # Approved by hand, the approval recorded among its events.
        "approved, with its event": ("approved", None, None, 2021),
        # A reviewer named, no time, no event.
        "returned, no time": ("returned", reviewer, None, 2022),
        # Nothing says who reviewed it.
        "approved, nobody": ("approved", None, None, 2023),
        # Whole already.
        "approved, whole": ("approved", reviewer, at, 2024),
    }
    ids = {}
    for label, (state, who, when, year) in rows.items():
        assessment = Assessment.objects.create(
            recommendation_id=recommendation_id,
            year=year,
            rating="limited",
            confidence="low",
            state=state,
            author=author,
            reviewer=who,
            reviewed_at=when,
            updated_at=changed,
        )
        ids[label] = assessment.pk
    Event.objects.create(
        assessment_id=ids["approved, with its event"],
        action="approved",
        from_state="submitted",
        to_state="approved",
        by=reviewer,
        at=at,
    )
    return ids


def reviews(ids: dict[str, int]) -> dict[str, list]:
    """Return the state, reviewer and review time of each assessment in `ids`."""
    from tracker.models import Assessment

    found = Assessment.objects.select_related("reviewer").in_bulk(ids.values())
    return {
        label: [
            found[pk].state,
            found[pk].reviewer and found[pk].reviewer.username,
            found[pk].reviewed_at and found[pk].reviewed_at.isoformat(),
        ]
        for label, pk in ids.items()
    }


def _found() -> dict[str, dict[str, list[int]]]:
    """Return, for each word, the ids of the rows of each kind that a search for it finds."""
    from tracker import search
    from tracker.models import SearchEntry

    kinds = {
        "country": SearchEntry.Kind.COUNTRY,
        "report": SearchEntry.Kind.REPORT,
        "recommendation": SearchEntry.Kind.RECOMMENDATION,
        "evidence": SearchEntry.Kind.EVIDENCE,
    }
    return {
        when: {
            name: sorted(row["source_id"] for row in search.matching(word, kind))
            for name, kind in kinds.items()
        }
        for when, word in WORDS.items()
    }


def replay() -> None:
    """Migrate an empty database from zero, writing rows on the way; print what was built."""
    from tracker import search

    executor = MigrationExecutor(connection)
    written = {"before": _write(_migrate(executor, ("tracker", "0006_corrections")), "before")}
    # After the index's first migration and the table remakes of 0010 and 0013, before 0014
    # sets the index up again.
    apps = _migrate(executor, ("tracker", "0013_recommendation_list_order"))
    written["between"] = _write(apps, "between", written["before"]["user"])
    _migrate(executor, ("tracker", "0015_evidence_version"))
    at_0015 = search_objects()
    apps = _migrate(executor, _before(executor, "_assessment_reviews_named"))
    assessments = _write_reviews(apps, written["between"]["recommendation"])
    apps = _migrate(executor)
    migrated = search_objects()
    written["after"] = _write(apps, "after", written["before"]["user"])
    found = _found()
    _migrate(executor, ("tracker", "0015_evidence_version"))
    unapplied_0016 = search_objects()
    _migrate(executor)
    # The index as today's code builds it, on the same database.
    search.uninstall(connection)
    search.install(connection)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "at_0015": at_0015,
                "migrated": migrated,
                "unapplied_0016": unapplied_0016,
                "installed": search_objects(),
                "written": written,
                "found": found,
                "reviews": reviews(assessments),
            }
        )
    )
