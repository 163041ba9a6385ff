"""Bulk import: every shared narrative imported or refused with a reason, a table, a rerun."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import NARRATIVES, ROOT
from tracker.models import Recommendation, Report

pytestmark = pytest.mark.django_db

MANIFEST = NARRATIVES / "MANIFEST.json"

# Pairs of files that hold one country-year with different texts: which copy is right is for a
# person to decide, so both are refused.
CONFLICTING = {
    "2020_syria.txt",
    "2020_syria_no-heading.txt",
    "2021_democratic-republic-of-the-congo.txt",
    "2021_democratic-republic-of-the-congo_trafficking-profile-section.txt",
    "2021_gambia.txt",
    "2021_gambia_protection-section.txt",
    "2021_yemen.txt",
    "2021_yemen_government-efforts-section.txt",
    "2023_afghanistan_gvnet.txt",
    "2023_afghanistan_gvnet-hardwrapped.txt",
}
IMPORTED = {
    "2018_north-korea.txt": ("North Korea", 2018, 11),
    "2020_north-korea.txt": ("North Korea", 2020, 10),
    "2021_guinea-bissau.txt": ("Guinea-Bissau", 2021, 5),
    "2021_syria.txt": ("Syria", 2021, 5),
    "2022_bahamas.txt": ("The Bahamas", 2022, 8),
    "2022_north-korea.txt": ("North Korea", 2022, 8),
}


def run(*args):
    """Run import_tip as JSON; return (outcomes by file name, the CommandError or None)."""
    out = io.StringIO()
    error = None
    try:
        call_command("import_tip", *args, "--json", stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        error = exc
    entries = json.loads(out.getvalue())["narratives"]
    return {entry["file"].rsplit("/", 1)[-1]: entry for entry in entries}, error


def test_every_shared_narrative_is_imported_or_refused_with_a_reason():
    outcomes, error = run(str(NARRATIVES), "--manifest", str(MANIFEST), "--per-file")
    names = {p.name for p in NARRATIVES.glob("*.txt")}
    assert set(outcomes) == names
    assert {name for name, o in outcomes.items() if o["action"] == "imported"} == set(IMPORTED)
    refused = {name: o["reason"] for name, o in outcomes.items() if o["action"] == "refused"}
    assert set(refused) == CONFLICTING | {"2021_header-lines.txt"}
    for name, reason in refused.items():
        assert reason.startswith(str(NARRATIVES / name) + ":")
    assert "with a different text" in refused["2021_gambia.txt"]
    assert "headers of several countries" in refused["2021_header-lines.txt"]
    # Refusals make the run fail, naming every refused file, while the good files stay imported.
    assert error is not None and "11 of 17 file(s) refused" in str(error)
    assert "2021_header-lines.txt" in str(error)
    for name, (country, year, n) in IMPORTED.items():
        report = Report.objects.get(country__name=country, year=year)
        assert report.recommendations.count() == n, name


def test_the_manifest_supplies_years_the_texts_do_not_state():
    run(str(NARRATIVES), "--manifest", str(MANIFEST), "--per-file")
    assert Report.objects.filter(country__name="North Korea", year=2018).exists()
    assert Report.objects.get(country__name="The Bahamas").year == 2022


def test_a_second_run_imports_nothing_new():
    run(str(NARRATIVES), "--manifest", str(MANIFEST), "--per-file")
    before = (Report.objects.count(), Recommendation.objects.count())
    outcomes, error = run(str(NARRATIVES), "--manifest", str(MANIFEST), "--per-file")
    assert (Report.objects.count(), Recommendation.objects.count()) == before
    actions = {name: o["action"] for name, o in outcomes.items()}
    assert {name for name, a in actions.items() if a == "unchanged"} == set(IMPORTED)
    assert "imported" not in actions.values()


@pytest.mark.parametrize("flags", [[], ["--atomic"]])
def test_by_default_the_same_batch_writes_nothing_and_still_lists_every_refusal(flags):
    outcomes, error = run(str(NARRATIVES), "--manifest", str(MANIFEST), *flags)
    assert error is not None and "Nothing was imported" in str(error)
    assert not Report.objects.exists()
    assert sum(o["action"] == "refused" for o in outcomes.values()) == 11


def test_with_atomic_a_clean_batch_is_imported_whole():
    files = [str(NARRATIVES / name) for name in ("2020_north-korea.txt", "2022_north-korea.txt")]
    outcomes, error = run(*files, "--atomic")
    assert error is None
    assert [o["action"] for o in outcomes.values()] == ["imported", "imported"]
    # Lineage links 2022 to 2020, the nearest earlier year in the batch.
    first = Recommendation.objects.get(reference="PRK-2022-02")
    assert first.predecessor.reference == "PRK-2020-02"


def test_the_table_lists_imported_skipped_and_refused_files(capsys):
    with pytest.raises(CommandError):
        call_command(
            "import_tip",
            str(NARRATIVES / "2021_syria.txt"),
            str(NARRATIVES / "2021_header-lines.txt"),
            str(ROOT / "fixtures" / "narratives" / "2021_syria.txt"),
            "--year",
            "2021",
            "--per-file",
        )
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["File", "Country", "Year", "Tier", "Recs", "Result"]
    assert any("2021_syria.txt" in line and line.endswith("imported") for line in lines)
    assert any(line.endswith("skipped (unchanged)") for line in lines)
    assert any("2021_header-lines.txt" in line and line.endswith("refused") for line in lines)
    assert "1 imported, 1 skipped (unchanged), 1 refused." in out


def test_a_missing_path_is_refused_in_the_table_and_the_rest_imported(tmp_path, capsys):
    with pytest.raises(CommandError, match="no-such.txt: no such file or folder"):
        call_command(
            "import_tip",
            str(tmp_path / "no-such.txt"),
            str(NARRATIVES / "2021_syria.txt"),
            "--per-file",
        )
    assert Report.objects.get().country.name == "Syria"


def test_by_default_a_missing_path_means_nothing_is_imported(tmp_path):
    with pytest.raises(CommandError, match="no-such.txt: no such file or folder"):
        call_command(
            "import_tip", str(tmp_path / "no-such.txt"), str(NARRATIVES / "2021_syria.txt")
        )
    assert not Report.objects.exists()


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise():
    files = [str(NARRATIVES / "2021_syria.txt"), str(NARRATIVES / "2022_north-korea.txt")]
    terminal = FakeTerminal()
    call_command("import_tip", *files, stdout=io.StringIO(), stderr=terminal)
    drawn = terminal.getvalue()
    assert "\r" in drawn and "[" + "#" * 30 + "] 2/2" in drawn
    plain = io.StringIO()
    call_command("import_tip", *files, stdout=io.StringIO(), stderr=plain)
    assert "\r" not in plain.getvalue()
    assert "Reading   1/2: " in plain.getvalue()
    quiet = io.StringIO()
    call_command("import_tip", *files, "--no-progress", stdout=io.StringIO(), stderr=quiet)
    assert "Reading" not in quiet.getvalue()
