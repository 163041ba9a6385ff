"""`sweep_uploads` removes evidence files no record refers to, and nothing else."""

import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from tracker import services
from tracker.models import Evidence


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _logged(analyst, recommendation) -> Evidence:
    return services.evidence_log(
        by=analyst,
        title="Interview notes",
        source_type=Evidence.SourceType.TESTIMONY,
        direction=Evidence.Direction.NO_CHANGE,
        recommendations=[recommendation],
        file=SimpleUploadedFile("notes.txt", b"Notes\n", content_type="text/plain"),
    )


def _orphan(media, name: str, age_minutes: int) -> None:
    path = media / "evidence" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind by a killed server\n")
    then = time.time() - age_minutes * 60
    os.utime(path, (then, then))


def _sweep(*args) -> str:
    out = io.StringIO()
    call_command("sweep_uploads", *args, stdout=out)
    return out.getvalue()


def test_sweep_removes_old_unreferenced_files_and_keeps_the_rest(media, analyst, seed_report):
    evidence = _logged(analyst, seed_report.recommendations.first())
    _orphan(media, "old.txt", age_minutes=120)
    _orphan(media, "young.txt", age_minutes=5)

    out = _sweep()

    assert "evidence/old.txt" in out and "1 unreferenced evidence file(s) removed." in out
    assert not (media / "evidence" / "old.txt").exists()
    assert (media / "evidence" / "young.txt").exists()
    assert (media / evidence.file.name).read_bytes() == b"Notes\n"


def test_sweep_dry_run_lists_and_removes_nothing(media, db):
    _orphan(media, "old.txt", age_minutes=120)

    out = _sweep("--dry-run", "--older-than", "0")

    assert "evidence/old.txt" in out and "would be removed" in out
    assert (media / "evidence" / "old.txt").exists()


def test_sweep_refuses_a_negative_age(media, db):
    with pytest.raises(CommandError, match="0 or more"):
        _sweep("--older-than", "-1")
