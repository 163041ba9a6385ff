"""Tier tables: every shared CSV loads, every row is accounted for, narratives win."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import SEED
from tracker import importer, tiers
from tracker.models import Country, TierPlacement

TIERS = Path(__file__).resolve().parent / "data" / "tiers"
TABLES = sorted(TIERS.glob("*.csv"))

pytestmark = pytest.mark.django_db


def placement(code: str, year: int) -> TierPlacement:
    return TierPlacement.objects.get(country__code=code, year=year)


def test_the_four_shared_tables_are_under_test():
    assert [t.name for t in TABLES] == [
        "tiers_2001-2015_heiss-kelley.csv",
        "tiers_2021_all_discerning-islam.csv",
        "tiers_2022-2025_t2wl-t3_cia-factbook-world.csv",
        "tiers_2024-2025_cia-factbook-by-country.csv",
    ]


@pytest.mark.parametrize("table", TABLES, ids=lambda p: p.name)
def test_each_shared_table_loads_and_every_row_is_accounted_for(table):
    result = tiers.load_table(table)
    assert result.rows > 0
    assert result.accounted == result.rows
    assert result.written > 0
    assert not result.unknown_tiers
    assert TierPlacement.objects.count() == result.created


def test_heiss_kelley_quirks_padded_tiers_watchlist_na_and_iso_names():
    result = tiers.load_table(TIERS / "tiers_2001-2015_heiss-kelley.csv")
    # 1999 and 2000 precede the first report; NA rows are unranked or special cases.
    assert result.before_first_report > 0 and result.not_ranked > 0
    assert not result.unmatched
    # "Korea, Democratic People's Republic of" with "Tier 3".
    assert placement("PRK", 2010).tier == "tier_3"
    assert placement("PRK", 2010).source == "table"
    # "Watchlist    " is Tier 2 Watch List.
    assert TierPlacement.objects.filter(tier="tier_2_watch_list", year=2010).count() > 10
    assert not TierPlacement.objects.filter(year__lt=2001).exists()


def test_discerning_islam_names_with_the_short_form_first_are_matched():
    result = tiers.load_table(TIERS / "tiers_2021_all_discerning-islam.csv")
    assert result.created == 188 and not result.unmatched
    assert placement("PRK", 2021).tier == "tier_3"  # "Korea, North"
    assert placement("BHS", 2021).tier == "tier_1"  # "Bahamas, The"
    assert placement("COD", 2021).tier == "tier_2_watch_list"  # "Congo, Democratic Republic of the"
    counts = {
        tier: TierPlacement.objects.filter(year=2021, tier=tier).count()
        for tier in ("tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case")
    }
    assert counts == {
        "tier_1": 28,
        "tier_2": 95,
        "tier_2_watch_list": 45,
        "tier_3": 17,
        "special_case": 3,
    }


def test_factbook_world_counts_match_the_stated_numbers():
    tiers.load_table(TIERS / "tiers_2022-2025_t2wl-t3_cia-factbook-world.csv")
    stated = {2022: (34, 22), 2023: (26, 24), 2024: (32, 21), 2025: (25, 20)}
    for year, (watch, three) in stated.items():
        rows = TierPlacement.objects.filter(year=year)
        assert rows.filter(tier="tier_2_watch_list").count() == watch
        assert rows.filter(tier="tier_3").count() == three


def test_garbled_names_are_resolved_by_the_state_gov_slug_and_reported():
    result = tiers.load_table(TIERS / "tiers_2024-2025_cia-factbook-by-country.csv")
    assert result.by_slug == {
        "The Dominican": "Dominican Republic",
        "none": "Central African Republic",
    }
    assert placement("DOM", 2024).tier == "tier_2_watch_list"
    # "Tier 2 Watch list" with a lower-case l is read from the corrected column.
    assert placement("DZA", 2024).tier == "tier_2_watch_list"


def test_a_name_that_matches_no_country_is_reported_not_guessed(tmp_path):
    table = tmp_path / "tiers.csv"
    table.write_text(
        "year,country,tier\n"
        "2019,Atlantis,Tier 1\n"
        "2019,Niger,Tier 2\n"
        "2019,Guinea,Tier 3\n"
        "2019,Narnia,Tier 3\n"
        "2019,Atlantis,Tier 2\n",
        encoding="utf-8",
    )
    result = tiers.load_table(table)
    assert result.unmatched == {"Atlantis": 2, "Narnia": 1}
    # "Niger" and "Guinea" are exact names, never taken as parts of Nigeria or Guinea-Bissau.
    assert sorted(TierPlacement.objects.values_list("country__code", "tier")) == [
        ("GIN", "tier_3"),
        ("NER", "tier_2"),
    ]
    assert result.accounted == result.rows == 5


def test_an_unknown_tier_spelling_is_reported(tmp_path):
    table = tmp_path / "tiers.csv"
    table.write_text("year,country,tier\n2019,Chad,Tier 4\n2019,Mali,Tier 2\n", encoding="utf-8")
    result = tiers.load_table(table)
    assert result.unknown_tiers == {"Tier 4": 1}
    assert list(TierPlacement.objects.values_list("country__code", flat=True)) == ["MLI"]


def test_a_table_without_a_tier_column_is_refused_by_name(tmp_path):
    table = tmp_path / "odd.csv"
    table.write_text("year,country\n2019,Chad\n", encoding="utf-8")
    with pytest.raises(CommandError, match="odd.csv: no tier column"):
        call_command("import_tiers", str(table))
    assert not TierPlacement.objects.exists()


def test_narrative_tiers_win_over_tables_whichever_comes_first(tmp_path):
    importer.import_batch([importer.parse_file(SEED)])
    table = tmp_path / "tiers.csv"
    table.write_text("year,country,tier\n2021,North Korea,Tier 2\n", encoding="utf-8")
    result = tiers.load_table(table)
    assert result.kept_narrative == 1
    assert (placement("PRK", 2021).tier, placement("PRK", 2021).source) == ("tier_3", "narrative")


def test_a_narrative_imported_after_a_table_replaces_the_table_tier():
    tiers.load_table(TIERS / "tiers_2021_all_discerning-islam.csv")
    assert placement("PRK", 2021).source == "table"
    importer.import_batch([importer.parse_file(SEED)])
    assert placement("PRK", 2021).source == "narrative"


def test_loading_a_table_twice_changes_nothing_and_a_later_table_updates_earlier_rows(tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("year,country,tier\n2019,Chad,Tier 2\n2019,Mali,Tier 2\n", encoding="utf-8")
    tiers.load_table(first)
    again = tiers.load_table(first)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    second = tmp_path / "b.csv"
    second.write_text("year,country,tier\n2019,Chad,Tier 2 Watch List\n", encoding="utf-8")
    result = tiers.load_table(second)
    assert result.updated == 1
    assert (placement("TCD", 2019).tier, placement("TCD", 2019).source_name) == (
        "tier_2_watch_list",
        "b.csv",
    )


def test_import_tiers_command_lists_unmatched_names(tmp_path, capsys):
    table = tmp_path / "tiers.csv"
    table.write_text("year,country,tier\n2019,Atlantis,Tier 1\n2019,Chad,Tier 2\n", "utf-8")
    call_command("import_tiers", str(table))
    out, err = capsys.readouterr()
    assert "1 placements added" in out
    assert "not matched, left out: 'Atlantis' (1 row)" in err
    assert Country.objects.filter(code="TCD").exists()


def test_the_fixture_tables_match_the_shared_ones():
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "tiers"
    for table in TABLES:
        assert (fixtures / table.name).read_bytes() == table.read_bytes()
