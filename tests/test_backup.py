"""`backup` and `restore`: a round trip keeps every row and file; bad archives change nothing."""

import datetime
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from reports.models import PublishedSummary
from tests.factories import UserFactory
from tracker import backup, roles, services
from tracker.models import Assessment, Evidence, Recommendation, StatusChange

PDF_BYTES = b"%PDF-1.4\n% evidence bytes \x00\x01\x02\xff\n" + bytes(range(256)) * 40


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-source"
    return settings


@pytest.fixture
def populated(media, seed_report, analyst, reviewer, viewer, admin_user):
    """A database with every kind of row the tracker keeps, including an uploaded file."""
    first, second = seed_report.recommendations.order_by("number")[:2]
    evidence = services.evidence_log(
        by=analyst,
        title="Special Rapporteur report <b>A/HRC/46/51</b>",
        source_type=Evidence.SourceType.UN,
        direction=Evidence.Direction.NO_CHANGE,
        recommendations=[first, second],
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        published_on=datetime.date(2022, 1, 15),
        quote="No prosecutions were reported.",
        file=SimpleUploadedFile("rapporteur.pdf", PDF_BYTES, content_type="application/pdf"),
        file_type="application/pdf",
    )
    services.evidence_log(
        by=reviewer,
        title="Media article",
        source_type=Evidence.SourceType.MEDIA,
        direction=Evidence.Direction.REGRESSION,
        recommendations=[second],
        sensitivity=Evidence.Sensitivity.PUBLIC,
    )
    services.recommendation_set_status(
        recommendation=first,
        status=Recommendation.Status.CANNOT_ASSESS,
        reason="No reliable information from inside the country.",
        by=analyst,
        evidence=[evidence],
        effective_date=datetime.date(2022, 2, 1),
    )
    services.recommendation_set_status(
        recommendation=first,
        status=Recommendation.Status.IN_PROGRESS,
        reason="The rapporteur reports a first step.",
        by=analyst,
    )
    services.recommendation_set_owner(recommendation=second, owner=analyst, by=reviewer)
    assessment = services.assessment_draft(
        recommendation=first,
        year=2021,
        by=analyst,
        rating=Assessment.Rating.LIMITED,
        confidence=Assessment.Confidence.LOW,
        narrative="One verifiable step.",
        evidence=[evidence],
        findings=list(seed_report.findings.all()[:2]),
    )
    services.assessment_submit(assessment=assessment, by=analyst)
    services.assessment_approve(assessment=assessment, by=reviewer, note="Agreed.")
    PublishedSummary.objects.create(
        country=seed_report.country,
        year=2021,
        content='{"year": 2021}',
        sha256=hashlib.sha256(b'{"year": 2021}').hexdigest(),
        published_by=reviewer,
    )
    # A permission granted to one user directly, and a group changed since the migration.
    admin_user.user_permissions.add(Permission.objects.get(codename="publish_summary"))
    Group.objects.get(name=roles.VIEWER).permissions.add(
        Permission.objects.get(codename="add_evidence")
    )
    return seed_report


def rows_snapshot() -> dict[str, list[tuple]]:
    """Return every row of every backed-up table, read with plain SQL.

    Many-to-many rows are compared without their own surrogate id (meaningless and not kept);
    permissions are named by codename and content type, since their ids differ by database.
    """
    snapshot: dict[str, list[tuple]] = {}
    with connection.cursor() as cursor:
        for model in backup.backed_up_models():
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {table} ORDER BY {model._meta.pk.column}")
            snapshot[table] = [tuple(row) for row in cursor.fetchall()]
            for m2m in model._meta.many_to_many:
                through = m2m.remote_field.through._meta
                source = m2m.m2m_column_name()
                target = m2m.m2m_reverse_name()
                if m2m.related_model is Permission:
                    cursor.execute(
                        f"SELECT t.{source}, p.codename, c.app_label, c.model "
                        f"FROM {through.db_table} t "
                        f"JOIN auth_permission p ON p.id = t.{target} "
                        "JOIN django_content_type c ON c.id = p.content_type_id"
                    )
                else:
                    cursor.execute(f"SELECT {source}, {target} FROM {through.db_table}")
                snapshot[through.db_table] = sorted(tuple(row) for row in cursor.fetchall())
    return snapshot


def files_snapshot() -> dict[str, str]:
    names = Evidence.objects.exclude(file="").values_list("file", flat=True)
    snapshot = {}
    for name in names:
        with default_storage.open(name, "rb") as handle:
            snapshot[name] = hashlib.sha256(handle.read()).hexdigest()
    return snapshot


def empty_database(*, keep_groups: bool) -> None:
    """Delete every backed-up row with plain SQL, as a new database would be (after migrate)."""
    with connection.cursor() as cursor:
        for model in reversed(backup.backed_up_models()):
            if keep_groups and model is Group:
                continue
            for m2m in model._meta.many_to_many:
                cursor.execute(f"DELETE FROM {m2m.remote_field.through._meta.db_table}")
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute("DELETE FROM auth_user_groups")
        cursor.execute("DELETE FROM auth_user_user_permissions")
    assert backup.database_is_empty()


def _rewrite(source: Path, target: Path, *, drop=(), replace=None) -> None:
    """Copy an archive member by member, leaving out `drop` and swapping in `replace` bytes."""
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in drop:
                continue
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))


@pytest.fixture
def archive(populated, tmp_path) -> Path:
    path = tmp_path / "tiptracker-backup.zip"
    call_command("backup", str(path), stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    return path


@pytest.mark.parametrize("keep_groups", [False, True], ids=["no-groups", "migrated-groups"])
def test_a_round_trip_into_an_empty_database_keeps_every_row_and_file(
    populated, media, tmp_path, keep_groups
):
    rows_before = rows_snapshot()
    files_before = files_snapshot()
    assert rows_before["tracker_statuschange"] and rows_before["tracker_evidence"]
    assert rows_before["tracker_assessmentevent"] and rows_before["tracker_summary"]
    assert len(files_before) == 1
    path = tmp_path / "backup.zip"
    call_command("backup", str(path), stdout=open(tmp_path / "b.txt", "w"))  # noqa: SIM115

    empty_database(keep_groups=keep_groups)
    media.MEDIA_ROOT = tmp_path / "media-restored"
    assert rows_snapshot() != rows_before

    call_command("restore", str(path), stdout=open(tmp_path / "r.txt", "w"))  # noqa: SIM115

    assert rows_snapshot() == rows_before
    assert files_snapshot() == files_before
    (name,) = files_before
    assert (tmp_path / "media-restored" / name).read_bytes() == PDF_BYTES
    evidence = Evidence.objects.get(file=name)
    assert evidence.file_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert "Restored" in (tmp_path / "r.txt").read_text()


def test_history_and_status_work_after_a_restore_and_new_ids_do_not_collide(
    populated, media, tmp_path, analyst
):
    first = populated.recommendations.get(number=1)
    history_before = list(
        first.status_changes.values_list("old_status", "new_status", "reason", "recorded_at")
    )
    path = tmp_path / "backup.zip"
    backup.create_backup(path)
    empty_database(keep_groups=False)
    media.MEDIA_ROOT = tmp_path / "media-restored"
    backup.restore_backup(path)

    first.refresh_from_db()
    assert first.status == Recommendation.Status.IN_PROGRESS
    assert services.status_on_date(first, datetime.date(2022, 3, 1)) == "cannot_assess"
    history_after = list(
        first.status_changes.values_list("old_status", "new_status", "reason", "recorded_at")
    )
    assert history_after == history_before
    # The restored user keeps their group, password and permissions.
    analyst = type(analyst).objects.get(username="analyst")
    assert analyst.check_password("correct-horse-battery")
    assert analyst.has_perm("tracker.change_status")
    old_max = StatusChange.objects.order_by("-pk").first().pk
    change = services.recommendation_set_status(
        recommendation=first,
        status=Recommendation.Status.IMPLEMENTED,
        reason="Law adopted.",
        by=analyst,
    )
    assert change.pk > old_max


def test_the_manifest_lists_every_member_with_its_sha256(archive):
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        names = set(zipped.namelist()) - {"manifest.json"}
        for name in names:
            assert (
                manifest["members"][name]["sha256"] == hashlib.sha256(zipped.read(name)).hexdigest()
            )
    assert set(manifest["members"]) == names
    assert manifest["format"] == "tiptracker-backup"
    assert manifest["format_version"] == 1
    assert manifest["app_version"] == "0.1.0"
    assert datetime.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert manifest["rows"]["tracker.statuschange"] == 2
    assert manifest["rows"]["auth.user"] == 4
    assert "data/auth.user.jsonl" in names and "data/tracker.evidence.jsonl" in names
    assert [n for n in names if n.startswith("files/evidence/")]
    assert "auth.permission" not in manifest["rows"]
    assert "contenttypes.contenttype" not in manifest["rows"]


def test_restore_refuses_a_database_that_is_not_empty(archive, tmp_path, media):
    before = rows_snapshot()
    media.MEDIA_ROOT = tmp_path / "media-untouched"
    with pytest.raises(CommandError, match="already holds users or tracker data"):
        call_command("restore", str(archive))
    assert rows_snapshot() == before
    assert not (tmp_path / "media-untouched").exists()


def _assert_refused(path: Path, message: str, tmp_path: Path, media) -> None:
    """Restore `path` into an empty database: it must be refused and leave everything empty."""
    empty_database(keep_groups=True)
    before = rows_snapshot()
    media.MEDIA_ROOT = tmp_path / "media-empty"
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path))
    assert rows_snapshot() == before
    assert backup.database_is_empty()
    assert not (tmp_path / "media-empty").exists() or not any(
        (tmp_path / "media-empty").rglob("*.*")
    )


def test_restore_refuses_a_corrupted_data_member(archive, tmp_path, media):
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive) as zipped:
        data = zipped.read("data/tracker.statuschange.jsonl")
    tampered = data.replace(b"in_progress", b"implemented", 1)
    assert tampered != data
    _rewrite(archive, damaged, replace={"data/tracker.statuschange.jsonl": tampered})
    _assert_refused(
        damaged, "checksum mismatch for data/tracker.statuschange.jsonl", tmp_path, media
    )


def test_restore_refuses_a_corrupted_file_member(archive, tmp_path, media):
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive) as zipped:
        (name,) = [n for n in zipped.namelist() if n.startswith("files/")]
    _rewrite(archive, damaged, replace={name: PDF_BYTES[:-1] + b"X"})
    _assert_refused(damaged, f"checksum mismatch for {name}", tmp_path, media)


def test_restore_refuses_a_truncated_archive(archive, tmp_path, media):
    truncated = tmp_path / "truncated.zip"
    data = archive.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    _assert_refused(truncated, "not a readable backup archive", tmp_path, media)


def test_restore_refuses_an_archive_with_a_missing_member(archive, tmp_path, media):
    damaged = tmp_path / "missing.zip"
    _rewrite(archive, damaged, drop={"data/tracker.evidence.jsonl"})
    _assert_refused(damaged, "missing, starting with data/tracker.evidence.jsonl", tmp_path, media)


def test_restore_refuses_an_archive_without_a_manifest(archive, tmp_path, media):
    damaged = tmp_path / "no-manifest.zip"
    _rewrite(archive, damaged, drop={"manifest.json"})
    _assert_refused(damaged, "has no manifest.json", tmp_path, media)


def test_restore_refuses_a_file_that_is_not_an_archive(tmp_path, media, db):
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"this is not a zip file at all")
    _assert_refused(bogus, "not a readable backup archive", tmp_path, media)


def test_restore_refuses_a_member_name_that_escapes_the_storage(archive, tmp_path, media):
    damaged = tmp_path / "escape.zip"
    evil = b"owned"
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
    name = "files/../../outside.txt"
    manifest["members"][name] = {"size": len(evil), "sha256": hashlib.sha256(evil).hexdigest()}
    _rewrite(archive, damaged, replace={"manifest.json": json.dumps(manifest).encode()})
    with zipfile.ZipFile(damaged, "a") as zipped:
        zipped.writestr(name, evil)
    _assert_refused(damaged, "unsafe file name", tmp_path, media)
    assert not (tmp_path / "outside.txt").exists()


def test_restore_check_verifies_without_writing(archive, tmp_path):
    out = tmp_path / "check.txt"
    before = rows_snapshot()
    with out.open("w") as stdout:
        call_command("restore", str(archive), "--check", stdout=stdout)
    assert "intact" in out.read_text()
    assert rows_snapshot() == before


def test_a_failed_backup_leaves_the_previous_archive_in_place(archive, tmp_path):
    previous = archive.read_bytes()
    name = Evidence.objects.exclude(file="").values_list("file", flat=True).get()
    default_storage.delete(name)
    with pytest.raises(CommandError, match="missing from storage"):
        call_command("backup", str(archive))
    assert archive.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


def test_backup_uses_the_users_own_password_hashes_not_plain_text(archive, tmp_path):
    with zipfile.ZipFile(archive) as zipped:
        users = [json.loads(line) for line in zipped.read("data/auth.user.jsonl").splitlines()]
    assert {u["fields"]["username"] for u in users} == {"analyst", "reviewer", "viewer", "admin"}
    assert all("correct-horse-battery" not in u["fields"]["password"] for u in users)
    assert all(
        u["fields"]["groups"] in ([], [["Analyst"]], [["Reviewer"]], [["Viewer"]]) for u in users
    )


@pytest.mark.django_db
def test_an_empty_database_backs_up_and_restores(tmp_path, media):
    UserFactory(username="only", role=roles.ANALYST)
    path = tmp_path / "small.zip"
    info = backup.create_backup(path)
    assert info.rows["auth.user"] == 1 and info.files == 0
    empty_database(keep_groups=True)
    restored = backup.restore_backup(path)
    assert restored.rows == info.rows
    assert UserFactory._meta.model.objects.get(username="only").groups.get().name == roles.ANALYST


# Crafted archives: consistent checksums, hostile content.


def _craft(source: Path, target: Path, *, replace=None, add_files=None) -> None:
    """Copy an archive with `replace`d members and extra uploaded files, manifest updated.

    The checksums are recomputed, as a forger would: only the content checks can refuse it.
    """
    replace = dict(replace or {})
    with zipfile.ZipFile(source) as old:
        manifest = json.loads(old.read("manifest.json"))
        members = {i.filename: old.read(i.filename) for i in old.infolist()}
    for name, data in (add_files or {}).items():
        manifest["files"].append(name)
        replace[backup.FILES_DIR + name] = data
    members.update(replace)
    for name, data in replace.items():
        manifest["members"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members.items():
            new.writestr(name, data)


def test_restore_refuses_an_uploaded_file_that_no_row_refers_to(archive, tmp_path, media):
    crafted = tmp_path / "stray.zip"
    _craft(archive, crafted, add_files={"evidence/planted.pdf": PDF_BYTES})
    _assert_refused(
        crafted, "holds the file evidence/planted.pdf, which no row refers to", tmp_path, media
    )


def test_restore_refuses_a_row_of_another_model_in_a_member(archive, tmp_path, media):
    crafted = tmp_path / "smuggled.zip"
    with zipfile.ZipFile(archive) as zipped:
        countries = zipped.read("data/tracker.country.jsonl")
    intruder = {
        "model": "auth.user",
        "pk": 999,
        "fields": {"username": "intruder", "password": "!", "is_superuser": True},
    }
    tampered = countries + json.dumps(intruder).encode() + b"\n"
    _craft(archive, crafted, replace={"data/tracker.country.jsonl": tampered})
    _assert_refused(crafted, "holds a row of 'auth.user', not of tracker.country", tmp_path, media)
    assert not UserFactory._meta.model.objects.filter(username="intruder").exists()


def test_restore_refuses_a_file_over_the_upload_limit_before_inflating_it(archive, tmp_path, media):
    media.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    _assert_refused(archive, "over the upload limit of 1024 bytes", tmp_path, media)


def test_restore_reads_a_crafted_huge_row_in_bounded_memory(archive, tmp_path, media):
    import tracemalloc

    crafted = tmp_path / "huge-row.zip"
    huge = (
        b'{"model": "tracker.country", "pk": 1, "fields": {"name": "'
        + b"a" * (64 * 1024 * 1024)
        + b'"}}\n'
    )
    _craft(archive, crafted, replace={"data/tracker.country.jsonl": huge})
    del huge
    assert crafted.stat().st_size < 2 * 1024 * 1024  # 64 MB of row in a small archive
    tracemalloc.start()
    try:
        _assert_refused(crafted, "a row is longer than 16777216 bytes", tmp_path, media)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 48 * 1024 * 1024


# Archives written by earlier versions.


def _as_older_version(source: Path, target: Path, *, schema=None) -> None:
    """Rewrite an archive as a version from before the published summaries moved to reports."""
    old, new = "tracker.summary", "reports.publishedsummary"
    with zipfile.ZipFile(source) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        members = {i.filename: zipped.read(i.filename) for i in zipped.infolist()}
    rows = [json.loads(line) for line in members.pop(f"data/{new}.jsonl").splitlines()]
    data = b"".join(json.dumps({**row, "model": old}).encode() + b"\n" for row in rows)
    members[f"data/{old}.jsonl"] = data
    manifest["members"].pop(f"data/{new}.jsonl")
    manifest["members"][f"data/{old}.jsonl"] = {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    manifest["load_order"] = [old if label == new else label for label in manifest["load_order"]]
    manifest["rows"][old] = manifest["rows"].pop(new)
    if schema is None:
        manifest.pop("schema")
    else:
        manifest["schema"] = schema
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, content in members.items():
            zipped.writestr(name, content)


def test_a_backup_from_before_the_summaries_moved_restores_them(
    populated, media, tmp_path, archive
):
    rows_before = rows_snapshot()
    assert rows_before["tracker_summary"]
    older = tmp_path / "older.zip"
    _as_older_version(archive, older)
    empty_database(keep_groups=False)
    media.MEDIA_ROOT = tmp_path / "media-restored"

    call_command("restore", str(older), stdout=open(tmp_path / "r.txt", "w"))  # noqa: SIM115

    assert rows_snapshot() == rows_before
    assert PublishedSummary.objects.count() == len(rows_before["tracker_summary"])


def test_the_manifest_records_the_schema_and_a_mismatch_is_explained(
    populated, media, tmp_path, archive
):
    with zipfile.ZipFile(archive) as zipped:
        schema = json.loads(zipped.read("manifest.json"))["schema"]
    assert schema == backup.schema_state() and schema["tracker"].startswith("00")
    # Rows from an older schema that do not fit today's tables: a message, and nothing written.
    crafted = tmp_path / "misfit.zip"
    with zipfile.ZipFile(archive) as zipped:
        countries = [
            json.loads(line) for line in zipped.read("data/tracker.country.jsonl").splitlines()
        ]
    countries[0]["fields"]["no_such_field_any_more"] = "x"
    countries[0]["fields"]["name"] = None
    misfit = b"".join(json.dumps(row).encode() + b"\n" for row in countries)
    _craft(archive, crafted, replace={"data/tracker.country.jsonl": misfit})
    with zipfile.ZipFile(crafted) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
    manifest["schema"] = {"tracker": "0004_an_older_one"}
    _rewrite(crafted, tmp_path / "misfit2.zip", replace={"manifest.json": json.dumps(manifest)})
    _assert_refused(
        tmp_path / "misfit2.zip",
        "made with the database at tracker 0004_an_older_one; restore it with that version",
        tmp_path,
        media,
    )
