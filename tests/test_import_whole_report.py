"""`import_tip` on whole reports: one file of many narratives, as text and as PDF."""

import json

import pytest
from django.core.management import CommandError, call_command

from bench.wholereport import Entry, render_pdf, report_text
from tests.test_tipdocument import MANIFEST, NARRATIVES, REPORT_2021, entries, entry_text
from tracker.models import Recommendation, Report

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def report_txt(tmp_path_factory):
    path = tmp_path_factory.mktemp("reports") / "tip-report.txt"
    path.write_text(report_text(entries(), year=2021, page_lines=5), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("reports") / "tip-report.pdf"
    path.write_bytes(render_pdf(report_text(entries(), year=2021), year=2021))
    return path


def broken_report(tmp_path):
    """The 2021 report with a second, different Syria narrative pasted into it."""
    extra = Entry("Syria", "tier_3", entry_text("2020_syria.txt"))
    path = tmp_path / "report-with-two-syrias.txt"
    path.write_text(report_text([*entries(), extra], year=2021), encoding="utf-8")
    return path


def assert_imported_exactly() -> None:
    reports = Report.objects.select_related("country")
    assert sorted(r.country.name for r in reports) == sorted(
        MANIFEST[f]["country"] for f in REPORT_2021
    )
    for file in REPORT_2021:
        entry = MANIFEST[file]
        report = reports.get(country__name=entry["country"])
        assert (report.year, report.tier) == (2021, entry["tier"])
        texts = list(report.recommendations.order_by("number").values_list("text", flat=True))
        assert texts == entry["recommendations"]


def test_a_text_report_imports_every_narrative_exactly_and_again_changes_nothing(report_txt):
    call_command("import_tip", str(report_txt), "--no-progress")
    assert_imported_exactly()
    counts = (Report.objects.count(), Recommendation.objects.count())

    call_command("import_tip", str(report_txt), "--no-progress")
    assert (Report.objects.count(), Recommendation.objects.count()) == counts


def test_a_pdf_report_imports_every_narrative_exactly(report_pdf):
    call_command("import_tip", str(report_pdf), "--no-progress")
    assert_imported_exactly()
    for report in Report.objects.all():
        assert "TRAFFICKING IN PERSONS REPORT" not in report.source_text
        assert report.source_name.startswith("tip-report.pdf [")


def test_a_dry_run_prints_one_json_entry_per_narrative(report_txt, capsys):
    call_command("import_tip", str(report_txt), "--dry-run", "--json", "--no-progress")
    data = json.loads(capsys.readouterr().out)
    assert not Report.objects.exists()
    assert list(data) == ["narratives"]
    by_country = {entry["country"]: entry for entry in data["narratives"]}
    assert len(by_country) == len(REPORT_2021)
    for file in REPORT_2021:
        entry = by_country[MANIFEST[file]["country"]]
        assert {"country", "year", "tier", "recommendations", "sections"} <= set(entry)
        assert entry["year"] == 2021 and entry["tier"] == MANIFEST[file]["tier"]
        assert [r["text"] for r in entry["recommendations"]] == MANIFEST[file]["recommendations"]
        assert [r["number"] for r in entry["recommendations"]] == list(
            range(1, len(entry["recommendations"]) + 1)
        )
    assert "prosecution" in by_country["North Korea"]["sections"]


def test_one_bad_narrative_refuses_the_whole_report_and_is_named(tmp_path):
    path = broken_report(tmp_path)
    with pytest.raises(CommandError) as failure:
        call_command("import_tip", str(path), "--no-progress")
    message = str(failure.value)
    assert "[SYRIA: Tier 3]" in message and "Syria 2021 is also in" in message
    assert "Nothing was imported." in message
    assert not Report.objects.exists()


def test_per_file_imports_the_good_narratives_of_a_report_and_lists_the_bad(tmp_path):
    path = broken_report(tmp_path)
    with pytest.raises(CommandError, match="2 of 7 file\\(s\\) refused"):
        call_command("import_tip", str(path), "--per-file", "--no-progress")
    imported = set(Report.objects.values_list("country__name", flat=True))
    want = {MANIFEST[f]["country"] for f in REPORT_2021} - {"Syria"}
    assert imported == want


def test_a_country_given_for_a_whole_report_is_refused(report_txt):
    with pytest.raises(CommandError, match="holds 6 country narratives"):
        call_command("import_tip", str(report_txt), "--country", "Syria", "--no-progress")
    assert not Report.objects.exists()


def test_a_year_given_against_the_documents_own_wins_with_a_warning(report_txt, capsys):
    call_command("import_tip", str(report_txt), "--year", "2020", "--no-progress")
    assert set(Report.objects.values_list("year", flat=True)) == {2020}
    err = capsys.readouterr().err
    assert "The document states the year 2021, but 2020 was supplied" in err


def test_the_year_comes_from_the_file_name_in_the_command(tmp_path):
    path = tmp_path / "2022_bahamas.txt"
    path.write_bytes((NARRATIVES / "2022_bahamas.txt").read_bytes())
    call_command("import_tip", str(path), "--no-progress")
    assert Report.objects.get().year == 2022


def test_a_file_name_year_the_text_contradicts_gives_a_warning(tmp_path, capsys):
    path = tmp_path / "2019_syria.txt"
    path.write_bytes((NARRATIVES / "2021_syria.txt").read_bytes())
    call_command("import_tip", str(path), "--no-progress")
    assert Report.objects.get().year == 2021
    assert "The file name gives the year 2019, but the text states 2021" in capsys.readouterr().err
