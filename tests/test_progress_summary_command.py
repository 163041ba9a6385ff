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
        assert lines[0].startswith("\ufeffPeriod,As of,Audience,Country,Year,Tier,Reference")
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
    csv_text = _run("--year", "2021", "--format", "csv")
    assert csv_text.startswith("\ufeffPeriod,As of,Audience,Country,")


def test_the_command_gives_the_public_view(seed_report, reviewer):
    rec = seed_report.recommendations.first()
    EvidenceFactory(
        recommendations=[rec],
        title="Restricted interview notes",
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        logged_by=reviewer,
    )
    assert "Restricted interview notes" not in _run("--year", "2021")


def test_the_json_gives_the_follow_up_period_and_each_items_status_at_start_and_as_of(
    seed_report,
):
    recs = list(seed_report.recommendations.order_by("number"))
    StatusChangeFactory(
        recommendation=recs[0],
        new_status=Recommendation.Status.IN_PROGRESS,
        effective_date=datetime.date(2022, 2, 1),
    )
    StatusChangeFactory(
        recommendation=recs[1],
        new_status=Recommendation.Status.IN_PROGRESS,
        effective_date=datetime.date(2022, 5, 1),
    )
    data = json.loads(_run("--year", "2021", "--country", "North Korea", "--format", "json"))
    assert data["follow_up_period"] == {"start": "2021-04-01", "end": "2022-03-31"}
    assert (data["as_of"], data["audience"]) == ("2022-03-31", "public")
    rows = data["countries"][0]["recommendations"]
    assert [(r["reference"], r["status_at_start"], r["status"]) for r in rows[:2]] == [
        ("PRK-2021-01", "no_action", "in_progress"),
        ("PRK-2021-02", "no_action", "no_action"),
    ]
    earlier = json.loads(_run("--year", "2021", "--country", "DPRK", "--as-of", "2022-01-31"))
    assert earlier["as_of"] == "2022-01-31"
    assert earlier["countries"][0]["recommendations"][0]["status"] == "no_action"


def test_the_audience_option_chooses_the_evidence(seed_report, reviewer):
    rec = seed_report.recommendations.first()
    for sensitivity in Evidence.Sensitivity.values:
        EvidenceFactory(
            recommendations=[rec], title=f"A {sensitivity} source", sensitivity=sensitivity
        )

    def titles(audience):
        data = json.loads(_run("--year", "2021", "--audience", audience))
        return {e["title"] for r in data["countries"][0]["recommendations"] for e in r["evidence"]}

    assert titles("public") == {"A public source"}
    assert titles("internal") == {"A public source", "A internal source"}
    assert len(titles("restricted")) == 3


def test_an_as_of_day_in_the_future_or_malformed_is_refused(seed_report):
    with pytest.raises(CommandError, match="future"):
        _run("--year", "2021", "--as-of", "2999-01-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _run("--year", "2021", "--as-of", "31/03/2022")


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
