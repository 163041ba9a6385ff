"""Lineage on the real North Korea lists: repeated, reworded, new and dropped; carry-over."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.conftest import ROOT
from tests.factories import RecommendationFactory
from tests.test_import_bulk_writes import snapshot
from tracker import importer, lineage, services
from tracker.models import Recommendation, RecommendationEdit

FIXTURES = ROOT / "fixtures"


def parsed_nk(year: int) -> importer.Parsed:
    entry = {
        2018: "narratives/2018_north-korea.txt",
        2020: "narratives/2020_north-korea.txt",
        2021: "tip-2021-north-korea.txt",
        2022: "narratives/2022_north-korea.txt",
    }[year]
    overrides = {e["file"]: e for e in _index()}[entry]
    return importer.parse_file(FIXTURES / entry, year=overrides.get("year"))


def _index():
    return json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))["narratives"]


def texts(year: int) -> list[str]:
    return parsed_nk(year).narrative.recommendations


def unmatched(previous_count: int, links) -> list[int]:
    """Return the indexes of the earlier texts that no later text was linked to."""
    continued = {link.predecessor for link in links if link.predecessor is not None}
    return [i for i in range(previous_count) if i not in continued]


# ---- Plain matching over the real lists ------------------------------------------------------


def test_2020_to_2021_finds_repeated_items_and_the_destination_countries_rewording():
    links = lineage.match(texts(2020), texts(2021))
    kinds = [link.kind for link in links]
    assert kinds[:10] == ["repeated", "reworded"] + ["repeated"] * 8
    assert [link.predecessor for link in links[:10]] == list(range(10))
    # "Accede to the 2000 UN TIP Protocol" is not in the (cut-off) 2020 list.
    assert links[10] == lineage.Link(predecessor=None, kind="new", similarity=links[10].similarity)
    assert links[10].similarity < lineage.REWORDED_THRESHOLD


def test_the_word_diff_shows_destination_replaced_by_other():
    old, new = texts(2020)[1], texts(2021)[1]
    diff = lineage.word_diff(old, new)
    assert ("delete", "destination") in diff
    assert ("insert", "other") in diff
    assert {op for op, _ in diff} == {"equal", "delete", "insert"}
    # Reassembling the equal and inserted runs gives the newer text back.
    assert " ".join(text for op, text in diff if op != "delete") == new


def test_2018_to_2020_links_reordered_items_and_reports_the_dropped_one():
    old, new = texts(2018), texts(2020)
    links = lineage.match(old, new)
    by_number = {j + 1: (link.predecessor + 1, link.kind) for j, link in enumerate(links)}
    # 2020 #3 "Eliminate coercion tactics..." is 2018 #6, word for word (case aside).
    assert by_number[3] == (6, "repeated")
    assert by_number[7] == (5, "repeated")
    # "allow ... their form of work, and leave" lost a comma only: still repeated.
    assert by_number[10] == (10, "repeated")
    # "criminalize human trafficking" became "Criminalize sex trafficking and labor trafficking".
    assert by_number[6] == (4, "reworded")
    assert by_number[4] == (7, "reworded")
    # 2018 #11, "accede to the 2000 UN TIP...", is continued by nothing of 2020.
    assert unmatched(len(old), links) == [10]


def test_2021_to_2022_reports_the_items_missing_from_the_cut_off_list_as_dropped():
    old, new = texts(2021), texts(2022)
    links = lineage.match(old, new)
    assert [link.kind for link in links] == [
        "reworded",
        "repeated",
        "repeated",
        "repeated",
        "reworded",
        "repeated",
        "repeated",
        "repeated",
    ]
    assert unmatched(len(old), links) == [8, 9, 10]


def test_a_predecessor_is_given_to_one_successor_only():
    links = lineage.match(["Criminalize sex trafficking."], ["Criminalize sex trafficking."] * 2)
    assert [link.kind for link in links] == ["repeated", "new"]


def test_repeated_ignores_case_punctuation_and_spacing_only():
    (same,) = lineage.match(
        ["accede to the 2000 UN TIP Protocol"], ["Accede to the 2000 UN  TIP Protocol."]
    )
    assert same.kind == "repeated"
    (shorter,) = lineage.match(["Criminalize sex trafficking."], ["Criminalize trafficking."])
    assert shorter.kind == "reworded"


# ---- In the database: import, relink, carry over -----------------------------------------------


def import_years(*years):
    return importer.import_batch([parsed_nk(year) for year in years])


def rec(year: int, number: int) -> Recommendation:
    return Recommendation.objects.select_related("predecessor").get(
        report__country__code="PRK", report__year=year, number=number
    )


@pytest.mark.django_db
def test_importing_four_years_stores_links_kinds_and_similarities():
    import_years(2022, 2018, 2021, 2020)  # any order
    assert rec(2018, 1).link_kind == "" and rec(2018, 1).predecessor is None
    assert (rec(2020, 3).predecessor.reference, rec(2020, 3).link_kind) == (
        "PRK-2018-06",
        "repeated",
    )
    assert rec(2020, 3).similarity == 1.0
    second = rec(2021, 2)
    assert (second.predecessor.reference, second.link_kind) == ("PRK-2020-02", "reworded")
    assert 0.9 < second.similarity < 1.0
    # Absent from the cut-off 2020 list, "Accede to the 2000 UN TIP Protocol" links back past
    # the gap to its last appearance, in 2018.
    assert (rec(2021, 11).predecessor.reference, rec(2021, 11).link_kind) == (
        "PRK-2018-11",
        "repeated",
    )
    assert rec(2022, 1).predecessor.reference == "PRK-2021-01"


def syria(year: int, items: list[str]) -> importer.Parsed:
    """Return a small Syria narrative of `year` whose list holds `items`."""
    text = (
        f"{year} Trafficking in Persons Report: Syria\n"
        "SYRIA: Tier 3\n"
        "The Government of Syria does not fully meet the minimum standards for the elimination "
        "of trafficking; therefore Syria remained on Tier 3.\n"
        "PRIORITIZED RECOMMENDATIONS:\n" + " • ".join(items) + "\n"
        "PROSECUTION\n"
        "The government made no efforts.\n"
    )
    return importer.parse_text(text, name=f"{year}_syria.txt", year=year)


# An item of 2018 continued in 2020 (half its words kept), and a 2021 item that shares the
# other half with it and nothing with the 2020 wording: it matches nothing in 2020, and past
# the gap it would match the 2018 item, which 2020 already continues.
OLDER = "Alpha bravo charlie delta echo foxtrot golf hotel india juliet."
CONTINUED = "Alpha bravo charlie delta echo kilo lima mike november oscar."
OTHER_HALF = "Foxtrot golf hotel india juliet papa quebec romeo sierra tango."
UNRELATED = ["Fund shelters for child victims.", "Train judges on sentencing."]


@pytest.mark.django_db
@pytest.mark.parametrize("one_by_one", [False, True], ids=["one batch", "year by year"])
def test_an_older_item_already_continued_is_not_offered_again_past_the_gap(one_by_one):
    assert lineage.match([OLDER], [OTHER_HALF])[0].kind == "reworded"
    assert lineage.match([CONTINUED], [OTHER_HALF])[0].kind == "new"
    batch = [
        syria(2018, [OLDER, UNRELATED[0]]),
        syria(2020, [CONTINUED, UNRELATED[1]]),
        syria(2021, [OTHER_HALF]),
    ]
    for part in [[p] for p in batch] if one_by_one else [batch]:
        importer.import_batch(part)

    def item(year, number):
        return Recommendation.objects.select_related("predecessor").get(
            report__year=year, number=number
        )

    assert (item(2020, 1).predecessor.reference, item(2020, 1).link_kind) == (
        "SYR-2018-01",
        "reworded",
    )
    newest = item(2021, 1)
    assert (newest.predecessor, newest.link_kind) == (None, "new")
    assert not Recommendation.objects.filter(predecessor__reference="SYR-2018-01").exclude(
        reference="SYR-2020-01"
    )


@pytest.mark.django_db
def test_a_new_year_continues_chains_older_than_the_years_it_reads():
    # 2023 is matched against 2022, 2021 and 2020 only; its chains run on to 2018 all the same.
    import_years(2018, 2020, 2021, 2022)
    country = Recommendation.objects.get(reference="PRK-2018-06").report.country_id
    # A chain that starts from another status (as in data from before history was recorded).
    Recommendation.objects.filter(reference="PRK-2018-06").update(initial_status="cannot_assess")
    lineage.rebuild_ancestry(country)
    text = (FIXTURES / "narratives/2022_north-korea.txt").read_text(encoding="utf-8")
    text = text.replace("2022", "2023")
    importer.import_batch([importer.parse_text(text, name="2023_north-korea.txt", year=2023)])

    (carried,) = Recommendation.objects.filter(
        report__year=2023, ancestor_links__ancestor__reference="PRK-2018-06"
    )
    chain = carried.ancestor_links.order_by("depth").values_list("ancestor__reference", "depth")
    assert [reference[4:] for reference, _ in chain] == [
        carried.reference[4:],
        "2022-03",
        "2021-03",
        "2020-03",
        "2018-06",
    ]
    assert (carried.initial_status, carried.status) == ("cannot_assess", "cannot_assess")
    # The closure and start statuses are those computed from the whole chains.
    imported = snapshot()
    lineage.rebuild_ancestry(country)
    assert snapshot() == imported


@pytest.mark.django_db
def test_an_earlier_year_imported_later_relinks_the_next_year(analyst):
    import_years(2021)
    assert rec(2021, 2).link_kind == ""
    import_years(2020)
    assert (rec(2021, 2).predecessor.reference, rec(2021, 2).link_kind) == (
        "PRK-2020-02",
        "reworded",
    )


@pytest.mark.django_db
def test_a_repeated_recommendation_starts_with_its_predecessors_status_flagged_for_review(
    analyst,
):
    import_years(2020)
    services.recommendation_set_status(
        recommendation=rec(2020, 7), status="in_progress", reason="Trials reported.", by=analyst
    )
    import_years(2021)
    carried = rec(2021, 7)
    # The chain started from "no action"; its status today is the predecessor's change.
    assert (carried.initial_status, carried.status, carried.needs_review) == (
        "no_action",
        "in_progress",
        True,
    )
    fresh = rec(2021, 11)
    assert (fresh.status, fresh.needs_review) == ("no_action", False)
    # Confirming the same status clears the flag and records who confirmed it.
    services.recommendation_set_status(
        recommendation=carried, status="in_progress", reason="Still true in 2021.", by=analyst
    )
    carried.refresh_from_db()
    assert (carried.status, carried.needs_review) == ("in_progress", False)


@pytest.mark.django_db
def test_relinking_never_overrides_a_status_an_analyst_has_stated(analyst):
    import_years(2021)
    services.recommendation_set_status(
        recommendation=rec(2021, 1), status="regressed", reason="New camps.", by=analyst
    )
    import_years(2020)
    assert rec(2021, 1).predecessor.reference == "PRK-2020-01"
    assert rec(2021, 1).status == "regressed"


# ---- Correcting a link by hand -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_analyst_corrects_the_link_past_the_gap_and_the_edit_is_recorded(analyst):
    import_years(2018, 2020, 2021)
    accede = rec(2021, 11)
    assert accede.predecessor.reference == "PRK-2018-11"  # found past the cut-off 2020 list
    edit = services.recommendation_set_predecessor(
        recommendation=accede, predecessor=None, link_kind="new", by=analyst
    )
    accede.refresh_from_db()
    assert (accede.predecessor, accede.link_kind) == (None, "new")
    assert (edit.field, edit.old_value, edit.new_value, edit.changed_by) == (
        "predecessor",
        "PRK-2018-11 (repeated)",
        "new",
        analyst,
    )
    edit = services.recommendation_set_predecessor(
        recommendation=accede, predecessor=rec(2018, 11), link_kind="repeated", by=analyst
    )
    accede.refresh_from_db()
    assert (accede.predecessor.reference, accede.link_kind) == ("PRK-2018-11", "repeated")
    assert accede.similarity == 1.0
    assert (edit.old_value, edit.new_value) == ("new", "PRK-2018-11 (repeated)")


@pytest.mark.django_db
def test_relinking_after_an_import_keeps_the_links_an_analyst_set(analyst):
    import_years(2020, 2022)
    services.recommendation_set_predecessor(
        recommendation=rec(2022, 5), predecessor=None, link_kind="new", by=analyst
    )
    import_years(2021)
    assert rec(2022, 2).predecessor.reference == "PRK-2021-02"
    assert (rec(2022, 5).predecessor, rec(2022, 5).link_kind) == (None, "new")


@pytest.mark.django_db
def test_a_viewer_cannot_correct_a_link(viewer):
    import_years(2020, 2021)
    with pytest.raises(PermissionDenied):
        services.recommendation_set_predecessor(
            recommendation=rec(2021, 2), predecessor=None, link_kind="new", by=viewer
        )
    assert not RecommendationEdit.objects.exists()


@pytest.mark.django_db
def test_a_predecessor_must_be_the_same_country_in_an_earlier_year(analyst):
    import_years(2020, 2021)
    other = RecommendationFactory(report__year=2020)
    with pytest.raises(ValidationError, match="same country in an earlier year"):
        services.recommendation_set_predecessor(
            recommendation=rec(2021, 2), predecessor=other, link_kind="reworded", by=analyst
        )
    with pytest.raises(ValidationError, match="same country in an earlier year"):
        services.recommendation_set_predecessor(
            recommendation=rec(2020, 2), predecessor=rec(2021, 2), link_kind="reworded", by=analyst
        )
    with pytest.raises(ValidationError, match="repeated or reworded"):
        services.recommendation_set_predecessor(
            recommendation=rec(2021, 2), predecessor=rec(2020, 2), link_kind="new", by=analyst
        )


@pytest.mark.django_db
def test_a_stale_link_correction_is_refused(analyst):
    import_years(2020, 2021)
    target = rec(2021, 2)
    stale = target.version - 1
    with pytest.raises(services.StaleVersion):
        services.recommendation_set_predecessor(
            recommendation=target,
            predecessor=None,
            link_kind="new",
            by=analyst,
            expected_version=stale,
        )
    assert rec(2021, 2).predecessor.reference == "PRK-2020-02"


# ---- The lineage page --------------------------------------------------------------------------


@pytest.fixture
def linked(db):
    import_years(2020, 2021)
    return rec(2021, 2)


def test_anonymous_is_sent_to_login_from_the_lineage_page(client, linked):
    url = reverse("recommendation_lineage", args=[linked.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_lineage_page_shows_the_diff_and_the_dropped_items(viewer_client, linked):
    url = reverse("recommendation_lineage", args=[linked.pk])
    response = viewer_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<del class="diff-delete">destination</del>' in html
    assert '<ins class="diff-insert">other</ins>' in html
    assert "PRK-2020-02" in html and "Reworded" in html
    # A viewer sees the link but not the form to change it.
    assert "Link kind" not in html


def test_the_lineage_page_runs_a_fixed_number_of_queries(
    analyst_client, linked, django_assert_max_num_queries
):
    url = reverse("recommendation_lineage", args=[linked.pk])
    with django_assert_max_num_queries(12):
        assert analyst_client.get(url).status_code == 200


def test_a_viewer_posting_a_link_correction_gets_403(viewer_client, linked):
    url = reverse("recommendation_lineage", args=[linked.pk])
    response = viewer_client.post(url, {"predecessor": "", "link_kind": "new"})
    assert response.status_code == 403
    assert rec(2021, 2).link_kind == "reworded"


def test_an_analyst_corrects_a_link_through_the_form(analyst_client, linked):
    url = reverse("recommendation_lineage", args=[linked.pk])
    page = analyst_client.get(url).content.decode()
    assert "<label" in page and "Predecessor" in page and "Link kind" in page
    response = analyst_client.post(
        url,
        {"predecessor": "", "link_kind": "new", "version": linked.version},
        follow=True,
    )
    assert response.status_code == 200
    assert rec(2021, 2).link_kind == "new" and rec(2021, 2).predecessor is None
    assert "Lineage link saved" in response.content.decode()
    assert RecommendationEdit.objects.filter(field="predecessor").count() == 1


def test_the_link_form_requires_a_csrf_token(analyst, linked):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    url = reverse("recommendation_lineage", args=[linked.pk])
    response = client.post(url, {"predecessor": "", "link_kind": "new"})
    assert response.status_code == 403
    assert rec(2021, 2).link_kind == "reworded"


# ---- The latest effective date along each chain, cached for `status_on` ---------------------


def _chain_cache_matches_history():
    from tracker.models import chain_last_effective

    cached = dict(Recommendation.objects.values_list("reference", "chain_last_effective"))
    computed = dict(
        Recommendation.objects.annotate(day=chain_last_effective()).values_list("reference", "day")
    )
    assert cached == computed
    return cached


@pytest.mark.django_db
def test_every_service_that_writes_history_keeps_the_chains_latest_effective_date(analyst):
    import datetime

    import_years(2018, 2020, 2021)
    assert set(_chain_cache_matches_history().values()) == {None}
    day = datetime.date(2018, 6, 1)
    change = services.recommendation_set_status(
        recommendation=rec(2018, 11),
        status="in_progress",
        reason="Trials.",
        by=analyst,
        effective_date=day,
    )
    # The item and its successor carry the day; the other chains do not.
    cached = _chain_cache_matches_history()
    assert cached["PRK-2018-11"] == cached["PRK-2021-11"] == day
    assert cached["PRK-2021-01"] is None
    services.status_change_void(change=change, reason="Wrong item.", by=analyst)
    assert set(_chain_cache_matches_history().values()) == {None}
    services.recommendation_set_status(
        recommendation=rec(2018, 11),
        status="in_progress",
        reason="Trials.",
        by=analyst,
        effective_date=day,
    )
    services.recommendation_set_predecessor(
        recommendation=rec(2021, 11), predecessor=None, link_kind="new", by=analyst
    )
    cached = _chain_cache_matches_history()
    assert (cached["PRK-2018-11"], cached["PRK-2021-11"]) == (day, None)
