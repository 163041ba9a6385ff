"""The importer and `import_tip`: idempotent, all-or-nothing, never overwriting."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import NARRATIVES, SEED
from tracker import importer
from tracker.models import Country, Finding, Recommendation, Report, TierPlacement

pytestmark = pytest.mark.django_db


def counts():
    return (
        Report.objects.count(),
        Recommendation.objects.count(),
        Finding.objects.count(),
        Country.objects.count(),
        TierPlacement.objects.count(),
    )


def test_seed_import_creates_report_with_eleven_referenced_recommendations(capsys):
    call_command("import_tip", str(SEED))
    report = Report.objects.get()
    assert (report.country.name, report.year, report.tier) == ("North Korea", 2021, "tier_3")
    assert report.source_sha256 == hashlib.sha256(report.source_text.encode()).hexdigest()
    assert report.source_text == SEED.read_text(encoding="utf-8")
    assert str(report.period_start) == "2020-04-01" and str(report.period_end) == "2021-03-31"
    refs = list(report.recommendations.order_by("number").values_list("reference", flat=True))
    assert refs == [f"PRK-2021-{n:02d}" for n in range(1, 12)]
    assert set(report.sections) == {
        "prosecution",
        "protection",
        "prevention",
        "trafficking_profile",
    }
    assert report.findings.filter(section="prosecution").exists()
    assert "imported" in capsys.readouterr().out


def test_importing_the_same_text_twice_changes_nothing_and_says_so(capsys):
    call_command("import_tip", str(SEED))
    before = counts()
    capsys.readouterr()
    call_command("import_tip", str(SEED))
    assert counts() == before
    assert "unchanged" in capsys.readouterr().out


def test_per_file_refuses_a_bad_file_by_name_and_still_imports_the_good_ones(tmp_path, capsys):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_tip", "--per-file", str(SEED), str(bad))
    assert "empty.txt: the file is empty" in str(excinfo.value)
    assert "1 of 2 file(s) refused" in str(excinfo.value)
    assert Report.objects.get().year == 2021
    table = capsys.readouterr().out
    assert "empty.txt" in table and "refused" in table and "imported" in table


@pytest.mark.parametrize("flags", [[], ["--atomic"]])
def test_by_default_one_bad_file_in_a_batch_writes_nothing(tmp_path, flags):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_tip", *flags, str(SEED), str(bad))
    assert "empty.txt" in str(excinfo.value)
    assert "Nothing was imported" in str(excinfo.value)
    assert counts() == (0, 0, 0, 0, 0)


def test_atomic_and_per_file_cannot_be_combined():
    with pytest.raises(CommandError):
        call_command("import_tip", "--atomic", "--per-file", str(SEED))
    assert counts() == (0, 0, 0, 0, 0)


def test_binary_file_is_refused_with_its_name(tmp_path):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(CommandError, match="scan.txt"):
        call_command("import_tip", str(binary))
    assert counts() == (0, 0, 0, 0, 0)


def test_text_with_no_tier_and_no_override_is_refused(tmp_path):
    section_only = NARRATIVES / "2021_gambia_protection-section.txt"
    with pytest.raises(CommandError, match="tier"):
        call_command("import_tip", str(section_only), "--year", "2021", "--country", "Gambia")
    assert counts() == (0, 0, 0, 0, 0)


def test_overrides_let_a_section_only_excerpt_import_with_no_recommendations():
    section_only = NARRATIVES / "2021_gambia_protection-section.txt"
    call_command(
        "import_tip",
        str(section_only),
        "--year",
        "2021",
        "--country",
        "Gambia",
        "--tier",
        "tier_2_watch_list",
    )
    report = Report.objects.get()
    assert (report.country.name, report.tier) == ("The Gambia", "tier_2_watch_list")
    assert report.recommendations.count() == 0


def test_changed_text_for_an_imported_country_year_is_refused(tmp_path):
    call_command("import_tip", str(SEED))
    before = counts()
    changed = tmp_path / "nk-edited.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace("Accede to", "Ratify"))
    with pytest.raises(CommandError, match="already imported from a different text"):
        call_command("import_tip", str(changed))
    assert counts() == before
    assert not Recommendation.objects.filter(text__startswith="Ratify").exists()


def test_dry_run_json_prints_the_parse_and_writes_nothing(capsys):
    call_command("import_tip", str(SEED), "--dry-run", "--json")
    data = json.loads(capsys.readouterr().out)
    (narrative,) = data["narratives"]
    assert narrative["country"] == "North Korea"
    assert narrative["year"] == 2021
    assert narrative["tier"] == "tier_3"
    assert [r["number"] for r in narrative["recommendations"]] == list(range(1, 12))
    assert narrative["recommendations"][-1]["text"] == "Accede to the 2000 UN TIP Protocol."
    assert set(narrative["sections"]) >= {"prosecution", "protection", "prevention"}
    assert counts() == (0, 0, 0, 0, 0)


def test_a_folder_imports_every_narrative_in_it(tmp_path):
    for name in ("2021_syria.txt", "2021_gambia.txt"):
        (tmp_path / name).write_bytes((NARRATIVES / name).read_bytes())
    call_command("import_tip", str(tmp_path))
    assert sorted(Report.objects.values_list("country__name", flat=True)) == ["Syria", "The Gambia"]


def test_same_country_year_twice_in_one_batch_with_different_texts_is_refused():
    with pytest.raises(CommandError, match="different text"):
        call_command(
            "import_tip",
            str(NARRATIVES / "2020_syria.txt"),
            str(NARRATIVES / "2020_syria_no-heading.txt"),
            "--year",
            "2020",
        )
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("text", "pillar"),
    [
        ("Criminalize sex trafficking and labor trafficking.", "prosecution"),
        ("Investigate and prosecute trafficking cases and convict traffickers.", "prosecution"),
        ("Provide assistance to victims exploited in the DPRK.", "protection"),
        ("Forge partnerships with international organizations and NGOs.", "partnership"),
        ("Accede to the 2000 UN TIP Protocol.", "partnership"),
        ("Cease the garnishing of wages of overseas workers.", "prevention"),
    ],
)
def test_pillar_is_proposed_from_the_wording(text, pillar):
    assert importer.propose_pillar(text) == pillar


def test_import_records_the_tier_placement_from_the_narrative():
    call_command("import_tip", str(SEED))
    placement = TierPlacement.objects.get()
    assert (placement.year, placement.tier, placement.source) == (2021, "tier_3", "narrative")


def test_import_proposes_the_findings_each_recommendation_answers():
    call_command("import_tip", str(SEED))
    criminalize = Recommendation.objects.get(reference="PRK-2021-06")
    texts = list(criminalize.findings.values_list("text", flat=True))
    assert (
        "It is unclear whether North Korean laws criminalized sex trafficking or labor trafficking."
        in texts
    )
    accede = Recommendation.objects.get(reference="PRK-2021-11")
    assert list(accede.findings.values_list("text", flat=True)) == [
        "The DPRK is not a party to the 2000 UN TIP Protocol."
    ]
    assert all(r.findings.count() <= 3 for r in Recommendation.objects.all())


def test_proposed_findings_need_a_distinctive_shared_word():
    found = importer.propose_findings(
        "Accede to the protocol.",
        [Finding(text="The protocol was signed."), Finding(text="Nothing happened.")],
    )
    assert [f.text for f in found] == ["The protocol was signed."]
    assert importer.propose_findings("Accede to the protocol.", []) == []


def test_an_import_gathers_full_planner_statistics_on_sqlite(django_capture_on_commit_callbacks):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's autovacuum gathers its own statistics")

    def analysed(table):
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone():
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            return cursor.fetchone()[0] > 0

    if analysed("tracker_country"):  # left by an earlier test that committed an import
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_stat1")
    assert not analysed("tracker_country")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_tip", str(SEED))
    assert analysed("tracker_country") and analysed("tracker_recommendation")
