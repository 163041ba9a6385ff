"""The database, its WAL files, uploads and backups are created for the service user alone."""

import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import ROOT
from tests.factories import RecommendationFactory
from tests.test_deploy import PYTHON, production_env
from tracker.models import Evidence


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _with_usual_umask():
    # What a service gets by default: files readable by every local user unless made private.
    os.umask(0o022)


def test_a_new_sqlite_database_and_its_wal_files_are_owner_only(tmp_path):
    env = production_env(tmp_path)
    result = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_with_usual_umask,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    var = tmp_path / "var"
    database = var / "tiptracker.sqlite3"
    assert mode(var) == 0o700
    assert mode(database) == 0o600
    # Reading in WAL mode makes SQLite create the -wal and -shm files beside the database.
    with sqlite3.connect(database) as conn:
        conn.execute("SELECT count(*) FROM django_migrations").fetchone()
        wal = [var / "tiptracker.sqlite3-wal", var / "tiptracker.sqlite3-shm"]
        assert all(path.exists() for path in wal)
        assert [mode(path) for path in wal] == [0o600, 0o600]


@pytest.mark.django_db
def test_an_uploaded_evidence_file_and_its_folders_are_owner_only(
    analyst_client, settings, tmp_path
):
    old = os.umask(0o022)
    try:
        settings.MEDIA_ROOT = str(tmp_path / "uploads")
        rec = RecommendationFactory()
        response = analyst_client.post(
            reverse("evidence_new"),
            {
                "title": "Shelter report",
                "source_type": Evidence.SourceType.NGO,
                "sensitivity": Evidence.Sensitivity.RESTRICTED,
                "direction": Evidence.Direction.NO_CHANGE,
                "recommendations": [rec.pk],
                "file": SimpleUploadedFile("report.txt", b"Names of survivors."),
            },
        )
    finally:
        os.umask(old)
    assert response.status_code == 302
    stored = tmp_path / "uploads" / Evidence.objects.get().file.name
    assert mode(stored) == 0o600
    folder = stored.parent
    while folder != tmp_path:
        assert mode(folder) == 0o700, folder
        folder = folder.parent


@pytest.mark.django_db
def test_a_backup_and_its_new_folder_are_owner_only(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    target = tmp_path / "backups" / "tiptracker.zip"
    old = os.umask(0o022)
    try:
        call_command("backup", str(target), stdout=open(os.devnull, "w"))  # noqa: SIM115
    finally:
        os.umask(old)
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700
