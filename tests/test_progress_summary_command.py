"""`manage.py progress_summary`: every format to a file, stdout for text, clear errors."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.factories import EvidenceFactory, StatusChangeFactory
from tracker.models import Evidence, Recommendation

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("progress_summary", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "pdf", "html"])
def test_each_format_is_written_to_a_file(seed_report, tmp_path, fmt):
    target = tmp_path / f"summary.{fmt}"
    _run("--year", "2021", "--country", "North Korea", "--format", fmt, "-o", str(target))
    content = target.read_bytes()
    assert content
    if fmt == "json":
        data = json.loads(content)
        assert data["scope"]["name"] == "North Korea"
        assert data["totals"]["recommendations"] == 11
    elif fmt == "csv":
        lines = content.decode("utf-8").splitlines()
        assert lines[0].startswith("Country,Year,Tier,Reference")
        assert len(lines) == 12
    elif fmt == "xlsx":
        wb = load_workbook(target)
        assert wb["Recommendations"].max_row == 12
    elif fmt == "pdf":
        assert content.startswith(b"%PDF")
    else:
        assert b"North Korea: progress summary 2021" in content


@pytest.mark.parametrize("name", ["DPRK", "north-korea", "Korea, Democratic People's Republic of"])
def test_the_country_is_matched_by_name_slug_or_alias(seed_report, name):
    data = json.loads(_run("--year", "2021", "--country", name, "--format", "json"))
    assert data["scope"]["country"] == "north-korea"


def test_text_formats_go_to_stdout_and_all_countries_is_the_default(seed_report):
    data = json.loads(_run("--year", "2021"))
    assert data["scope"] == {"country": None, "name": "All countries"}
    assert [c["name"] for c in data["countries"]] == ["North Korea"]
    assert _run("--year", "2021", "--format", "csv").startswith("Country,")


def test_the_command_gives_the_public_view(seed_report, reviewer):
    rec = seed_report.recommendations.first()
    EvidenceFactory(
        recommendations=[rec],
        title="Restricted interview notes",
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        logged_by=reviewer,
    )
    assert "Restricted interview notes" not in _run("--year", "2021")


def test_statuses_are_those_of_31_march(seed_report):
    recs = list(seed_report.recommendations.order_by("number"))
    StatusChangeFactory(
        recommendation=recs[0],
        new_status=Recommendation.Status.IN_PROGRESS,
        effective_date=datetime.date(2021, 2, 1),
    )
    StatusChangeFactory(
        recommendation=recs[1],
        new_status=Recommendation.Status.IN_PROGRESS,
        effective_date=datetime.date(2021, 5, 1),
    )
    data = json.loads(_run("--year", "2021", "--country", "DPRK"))
    statuses = [r["status"] for r in data["countries"][0]["recommendations"]]
    assert statuses[:2] == ["in_progress", "no_action"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--year", "2021", "--country", "Atlantis"], "Unknown country 'Atlantis'"),
        (["--year", "1999"], "no narrative of 1999"),
        (["--year", "2020", "--country", "North Korea"], "no narrative of 2020 for North Korea"),
        (["--year", "2021", "--format", "docx"], "Unknown format 'docx'"),
    ],
)
def test_bad_arguments_give_a_clear_error(seed_report, tmp_path, args, message):
    target = tmp_path / "out"
    with pytest.raises(CommandError, match=message):
        _run(*args, "-o", str(target))
    assert not target.exists()


def test_an_unwritable_output_is_a_clear_error(seed_report, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        _run("--year", "2021", "-o", str(tmp_path / "missing" / "dir" / "x.json"))


def test_a_binary_format_without_output_goes_to_the_binary_stream(seed_report):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    call_command("progress_summary", "--year", "2021", "--format", "pdf", stdout=stream)
    assert raw.getvalue().startswith(b"%PDF")
