"""Search across everything: the full-text index, kept current by the database, and its pages.

These run on whichever database the suite runs on (SQLite FTS5 by default, PostgreSQL's
tsvector with DATABASE_URL), through the real index and triggers.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CountryFactory,
    EvidenceFactory,
    FindingFactory,
    RecommendationFactory,
    ReportFactory,
)
from tracker import search, services
from tracker.models import Evidence, Recommendation, SearchEntry

Kind = SearchEntry.Kind
SEARCH = "/search/"


def found(value, user, kind):
    """Return the titles of the hits of `kind` for the search `value`, best first."""
    for group in search.search(value, user=user):
        if group.kind == kind:
            return [hit.title for hit in group.hits]
    return []


def counts(value, user):
    return {group.kind: group.count for group in search.search(value, user=user)}


@pytest.fixture
def korea(db):
    return CountryFactory(
        name="North Korea",
        slug="north-korea",
        code="PRK",
        aliases=["Democratic People's Republic of Korea", "DPRK"],
    )


@pytest.fixture
def report(korea):
    return ReportFactory(
        country=korea,
        year=2021,
        title="2021 Trafficking in Persons Report: North Korea",
        introduction="The government maintained a state-sponsored system of forced labor.",
        sections={"prevention": "Officials sent laborers to logging camps in Siberia."},
    )


@pytest.fixture
def recommendation(report):
    return RecommendationFactory(
        report=report,
        number=3,
        reference="PRK-2021-03",
        text="Cease the forcible repatriation of trafficking victims from neighbouring countries.",
    )


# -- Every kind of text is found ---------------------------------------------------------


def test_search_finds_recommendations_by_text_and_by_reference(viewer, recommendation):
    assert found("repatriation", viewer, Kind.RECOMMENDATION) == ["PRK-2021-03 · North Korea 2021"]
    assert found("PRK-2021-03", viewer, Kind.RECOMMENDATION) == ["PRK-2021-03 · North Korea 2021"]


def test_search_finds_countries_by_name_and_alias(viewer, korea):
    assert found("DPRK", viewer, Kind.COUNTRY) == ["North Korea"]
    assert found("people's republic", viewer, Kind.COUNTRY) == ["North Korea"]


def test_search_finds_narratives_by_introduction_and_section(viewer, report):
    assert found("state-sponsored", viewer, Kind.REPORT) == ["North Korea 2021"]
    assert found("Siberia logging", viewer, Kind.REPORT) == ["North Korea 2021"]


def test_search_finds_findings(viewer, report):
    FindingFactory(report=report, text="Authorities executed victims returned from China.")
    assert found("executed", viewer, Kind.FINDING) == ["North Korea 2021 · Prosecution"]


def test_search_finds_evidence_by_title_summary_quote_and_source_name(viewer, recommendation):
    EvidenceFactory(
        title="Panel of Experts report",
        summary="Overseas workers in construction.",
        quote="They worked eighteen hours a day.",
        source_name="Security Council",
        recommendations=[recommendation],
    )
    for words in ["Panel Experts", "construction", "eighteen hours", "Security Council"]:
        assert found(words, viewer, Kind.EVIDENCE) == ["Panel of Experts report"], words


def test_search_finds_status_reasons_and_assessment_narratives(analyst, recommendation):
    services.recommendation_set_status(
        recommendation=recommendation,
        status=Recommendation.Status.IN_PROGRESS,
        reason="Returnees were screened at the Sinuiju border post.",
        by=analyst,
        effective_date=datetime.date(2021, 7, 1),
    )
    services.assessment_draft(
        recommendation=recommendation,
        year=2021,
        by=analyst,
        rating="limited",
        confidence="low",
        narrative="Screening reached few returnees in Hyesan.",
    )
    assert found("Sinuiju", analyst, Kind.STATUS_CHANGE) == [
        "PRK-2021-03: No action → In progress (1 July 2021)"
    ]
    assert found("Hyesan", analyst, Kind.ASSESSMENT) == ["PRK-2021-03 · assessment 2021, draft"]


def test_the_real_narratives_are_searchable_across_kinds(viewer, fixture_narratives):
    # The complaint that started this: the narratives are full of China, and nothing found it.
    groups = {group.kind: group for group in search.search("China", user=viewer)}
    assert {Kind.REPORT, Kind.FINDING} <= set(groups)
    assert groups[Kind.FINDING].count >= 5
    assert all("<mark>China</mark>" in hit.snippet for hit in groups[Kind.FINDING].hits)


# -- Prefixes, every word, ranking -------------------------------------------------------


def test_a_word_finds_the_words_it_begins(viewer, recommendation):
    assert found("repatri", viewer, Kind.RECOMMENDATION) == ["PRK-2021-03 · North Korea 2021"]
    assert found("neighb countr", viewer, Kind.RECOMMENDATION) == ["PRK-2021-03 · North Korea 2021"]


def test_every_word_must_match(viewer, recommendation):
    assert found("repatriation Syria", viewer, Kind.RECOMMENDATION) == []


def test_a_one_letter_word_is_not_a_prefix(viewer, recommendation):
    # As a prefix "f" would match "forcible", "from"; as a word it matches nothing here.
    assert found("f", viewer, Kind.RECOMMENDATION) == []


def test_a_match_in_the_title_ranks_above_one_in_the_body(viewer, recommendation):
    EvidenceFactory(
        title="Annual statement",
        summary="Mentions sweatshops once among many other long words about other matters.",
        recommendations=[recommendation],
    )
    EvidenceFactory(title="Sweatshops abroad", summary="", recommendations=[recommendation])
    assert found("sweatshops", viewer, Kind.EVIDENCE) == ["Sweatshops abroad", "Annual statement"]


def test_more_occurrences_rank_higher(viewer, report):
    FindingFactory(report=report, position=1, text="Camps. Many people, long days, few rights.")
    FindingFactory(report=report, position=2, text="Camps, camps and camps again.")
    groups = {group.kind: group for group in search.search("camps", user=viewer)}
    assert groups[Kind.FINDING].hits[0].snippet.count("<mark>") == 3


# -- Visibility: Evidence.objects.visible_to is the rule ----------------------------------


@pytest.fixture
def restricted(analyst, recommendation):
    return EvidenceFactory(
        title="Testimony of a survivor",
        summary="Names the Chongjin facility.",
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        logged_by=analyst,
        recommendations=[recommendation],
    )


def test_restricted_evidence_is_found_only_by_reviewers_and_its_author(
    restricted, viewer, analyst, other_analyst, reviewer
):
    assert found("Chongjin", analyst, Kind.EVIDENCE) == ["Testimony of a survivor"]
    assert found("Chongjin", reviewer, Kind.EVIDENCE) == ["Testimony of a survivor"]
    assert counts("Chongjin", viewer) == {}
    assert counts("Chongjin", other_analyst) == {}


def test_hidden_evidence_is_not_counted_or_found_in_the_evidence_list(
    restricted, other_analyst, viewer_client
):
    EvidenceFactory(title="Chongjin satellite imagery", recommendations=[])
    assert counts("Chongjin", other_analyst) == {Kind.EVIDENCE: 1}
    page = viewer_client.get("/evidence/", {"q": "Chongjin"})
    assert page.context["count"].value == 1
    assert b"Testimony of a survivor" not in page.content


# -- The index follows every write -------------------------------------------------------


def test_the_index_follows_edits_and_deletes_of_every_indexed_table(viewer, recommendation):
    evidence = EvidenceFactory(title="Original wording", recommendations=[recommendation])
    evidence.title = "Revised wording"
    evidence.save()
    assert found("original", viewer, Kind.EVIDENCE) == []
    assert found("revised", viewer, Kind.EVIDENCE) == ["Revised wording"]

    Recommendation.objects.filter(pk=recommendation.pk).update(text="Protect defectors abroad.")
    assert found("repatriation", viewer, Kind.RECOMMENDATION) == []
    assert found("defectors", viewer, Kind.RECOMMENDATION) == ["PRK-2021-03 · North Korea 2021"]

    country = recommendation.report.country
    country.aliases = ["Choson"]
    country.save()
    assert found("DPRK", viewer, Kind.COUNTRY) == []
    assert found("Choson", viewer, Kind.COUNTRY) == ["North Korea"]

    evidence.delete()
    assert not SearchEntry.objects.filter(kind=Kind.EVIDENCE, object_id=evidence.pk).exists()


def test_the_index_follows_the_services(analyst, recommendation):
    assessment = services.assessment_draft(
        recommendation=recommendation,
        year=2021,
        by=analyst,
        rating="limited",
        confidence="low",
        narrative="First draft about Rason.",
    )
    services.assessment_update(
        assessment=assessment,
        by=analyst,
        rating="limited",
        confidence="low",
        narrative="Second draft about Wonsan.",
    )
    assert found("Rason", analyst, Kind.ASSESSMENT) == []
    assert len(found("Wonsan", analyst, Kind.ASSESSMENT)) == 1
    services.evidence_log(
        by=analyst,
        title="Wonsan shipyard report",
        source_type="ngo",
        direction="no_change",
        recommendations=[recommendation],
    )
    assert found("shipyard", analyst, Kind.EVIDENCE) == ["Wonsan shipyard report"]


def test_an_import_is_indexed_in_the_same_transaction(viewer, seed_report):
    titles = found("PRK-2021-01", viewer, Kind.RECOMMENDATION)
    assert titles == ["PRK-2021-01 · North Korea 2021"]
    assert counts("Democratic People's Republic", viewer)[Kind.COUNTRY] == 1


def test_rebuilding_the_index_gives_the_same_documents(viewer, fixture_narratives):
    before = sorted(SearchEntry.objects.values_list("id", "kind", "object_id", "title", "body"))
    search.rebuild()
    after = sorted(SearchEntry.objects.values_list("id", "kind", "object_id", "title", "body"))
    assert before == after
    assert len(after) > 100


# -- Snippets are escaped ------------------------------------------------------------------


def test_snippets_escape_stored_text_and_mark_only_the_matched_words(viewer_client, recommendation):
    EvidenceFactory(
        title="<script>alert(1)</script> Pyongyang",
        summary="<b>bold</b> claims about Pyongyang <mark>and</mark> more",
        recommendations=[recommendation],
    )
    page = viewer_client.get(SEARCH, {"q": "Pyongyang"})
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html
    assert "<mark>Pyongyang</mark>" in html
    assert "<mark>and</mark>" not in html


def test_highlight_drops_unpaired_marks():
    assert search.highlight("a \x02b\x03 \x03c\x02 <i>") == "a <mark>b</mark> c &lt;i&gt;"


# -- The page ------------------------------------------------------------------------------


def test_search_page_needs_a_sign_in(client, db):
    response = client.get(SEARCH, {"q": "China"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_search_page_groups_results_and_links_to_the_lists(viewer_client, recommendation):
    for n in range(12):
        EvidenceFactory(title=f"Repatriation study {n}", recommendations=[recommendation])
    page = viewer_client.get(SEARCH, {"q": "repatriation"})
    assert page.status_code == 200
    groups = {group.label: group for group in page.context["groups"]}
    assert groups["Evidence"].count == 12
    assert len(groups["Evidence"].hits) == search.HITS_PER_KIND
    assert groups["Recommendations"].count == 1
    assert b'href="/evidence/?q=repatriation"' in page.content


def test_search_page_without_words_shows_the_form(viewer_client):
    page = viewer_client.get(SEARCH)
    assert page.status_code == 200
    assert b'name="q"' in page.content


def test_search_page_query_count_does_not_depend_on_the_results(
    viewer_client, recommendation, django_assert_num_queries
):
    for n in range(15):
        EvidenceFactory(title=f"Repatriation study {n}", recommendations=[recommendation])
    FindingFactory(report=recommendation.report, text="Repatriation continued.")
    viewer_client.get(SEARCH, {"q": "repatriation"})  # warm the session and permissions
    # Session, user, permissions with the header's groups; the counts, the evidence's count;
    # best hits of 3 kinds; snippets; the rows of 3 kinds.
    with django_assert_num_queries(12):
        viewer_client.get(SEARCH, {"q": "repatriation"})


# -- Hostile input: capped, refused with a message, the same plan ----------------


@pytest.mark.parametrize("url", [SEARCH, "/recommendations/", "/evidence/", "/reports/"])
def test_a_thousand_word_search_is_refused_with_a_message(viewer_client, url):
    response = viewer_client.get(url, {"q": " ".join(["trafficking"] * 1000)})
    assert response.status_code == 400
    assert b"A search can be at most 200 characters long" in response.content


@pytest.mark.parametrize("url", [SEARCH, "/recommendations/", "/evidence/", "/reports/"])
def test_a_search_of_too_many_short_words_is_refused(viewer_client, url):
    response = viewer_client.get(url, {"q": " ".join("abcdefghijk")})
    assert response.status_code == 400
    assert b"A search can have at most 10 words (this one has 11)" in response.content


def test_a_refused_search_lists_nothing(viewer_client, recommendation):
    response = viewer_client.get("/recommendations/", {"q": "x " * 11})
    assert response.status_code == 400
    assert response.context["count"].value == 0


@pytest.mark.parametrize("url", ["/recommendations/", "/evidence/", "/reports/", SEARCH])
def test_the_sql_is_the_same_for_one_word_and_for_ten(viewer_client, recommendation, url):
    viewer_client.get(url, {"q": "warm"})

    def statements(words):
        with CaptureQueriesContext(connection) as queries:
            assert viewer_client.get(url, {"q": words}).status_code == 200
        return [query["sql"] for query in queries if "tracker_search" in query["sql"]]

    one = statements("repatriation")
    ten = statements("cease forcible repatriation of trafficking victims from neighb countr PRK")
    assert one
    # The words are in the parameters: the statements differ only in the quoted query.
    strip = search._match_expression
    assert [s.replace(strip(["repatriation"], connection.vendor), "?") for s in one] == [
        s.replace(
            strip(
                "cease forcible repatriation of trafficking victims from neighb countr PRK".split(),
                connection.vendor,
            ),
            "?",
        )
        for s in ten
    ]


def test_punctuation_and_query_syntax_are_plain_words(viewer, recommendation):
    for value in ['"', "NEAR(", "a OR b", "repatriation*", "-repatriation", "(", ":*", "&|!"]:
        search.search(value, user=viewer)  # no syntax error reaches the database
    assert found('"repatriation" OR', viewer, Kind.RECOMMENDATION) == []
    assert found("repatriation*", viewer, Kind.RECOMMENDATION) == ["PRK-2021-03 · North Korea 2021"]


def test_withdrawn_evidence_and_voided_changes_are_found_and_say_so(
    analyst, reviewer, recommendation
):
    evidence = EvidenceFactory(title="Kaesong factory report", recommendations=[recommendation])
    services.evidence_withdraw(evidence=evidence, reason="Wrong country.", by=reviewer)
    assert found("Kaesong", analyst, Kind.EVIDENCE) == ["Kaesong factory report (withdrawn)"]
    change = services.recommendation_set_status(
        recommendation=recommendation,
        status=Recommendation.Status.IN_PROGRESS,
        reason="Kaesong reopened.",
        by=analyst,
        effective_date=datetime.date(2021, 7, 1),
    )
    services.status_change_void(change=change, reason="Entered on the wrong item.", by=reviewer)
    assert found("reopened", analyst, Kind.STATUS_CHANGE) == [
        "PRK-2021-03: No action → In progress (1 July 2021) (voided)"
    ]


def test_migrate_sets_the_index_up_again_when_a_table_lost_its_triggers(viewer, recommendation):
    from django.core.management import call_command

    assert search.missing_triggers() == []
    # What SQLite's schema editor does when a migration remakes a table: its triggers are gone.
    lost = "tracker_search_tracker_evidence_insert"
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TRIGGER {lost}"
            + (" ON tracker_evidence" if connection.vendor == "postgresql" else "")
        )
    assert search.missing_triggers() == [lost]
    EvidenceFactory(title="Logged while the trigger was gone", recommendations=[recommendation])
    assert found("trigger", viewer, Kind.EVIDENCE) == []

    call_command("migrate", verbosity=0)

    assert search.missing_triggers() == []
    assert found("trigger", viewer, Kind.EVIDENCE) == ["Logged while the trigger was gone"]
    EvidenceFactory(title="Logged after the repair", recommendations=[recommendation])
    assert found("repair", viewer, Kind.EVIDENCE) == ["Logged after the repair"]


def test_a_wide_search_counts_evidence_up_to_a_cap_and_says_so(
    viewer_client, recommendation, monkeypatch
):
    monkeypatch.setattr(search, "COUNTED_EVIDENCE", 4)
    for n in range(6):
        EvidenceFactory(title=f"Repatriation study {n}", recommendations=[recommendation])
    page = viewer_client.get(SEARCH, {"q": "repatriation"})
    groups = {group.label: group for group in page.context["groups"]}
    assert (groups["Evidence"].count, groups["Evidence"].capped) == (4, True)
    assert (groups["Recommendations"].count, groups["Recommendations"].capped) == (1, False)
    html = page.content.decode()
    assert 'Evidence <span class="muted">(more than 4)</span>' in html
    assert "More than <strong>5</strong> results" in html
    assert "Counting stopped at 4" in html
    assert 'href="/evidence/?q=repatriation">All matching evidence in the list' in html
    # Under the cap, the count is exact and said plainly.
    monkeypatch.setattr(search, "COUNTED_EVIDENCE", 6)
    page = viewer_client.get(SEARCH, {"q": "repatriation"})
    groups = {group.label: group for group in page.context["groups"]}
    assert (groups["Evidence"].count, groups["Evidence"].capped) == (6, False)
    assert "<strong>7</strong> results" in page.content.decode()
    assert "more than" not in page.content.decode().lower()


def test_a_wide_search_ranks_the_newest_matches_and_says_so(
    viewer, viewer_client, recommendation, monkeypatch
):
    monkeypatch.setattr(search, "RANKED_MATCHES", 3)
    # The oldest is the best match (the word in its title); only the newest three are ranked.
    EvidenceFactory(title="Repatriation", summary="", recommendations=[recommendation])
    for n in range(4):
        EvidenceFactory(
            title=f"Study {n}", summary="Mentions repatriation.", recommendations=[recommendation]
        )
    groups = {group.kind: group for group in search.search("repatriation", user=viewer)}
    assert groups[Kind.EVIDENCE].count == 5
    if connection.vendor == "postgresql":
        # The GIN index keeps no order to take the newest from: every match is ranked.
        assert groups[Kind.EVIDENCE].ranked_of is None
        assert groups[Kind.EVIDENCE].hits[0].title == "Repatriation"
        return
    assert groups[Kind.EVIDENCE].ranked_of == 3
    assert sorted(hit.title for hit in groups[Kind.EVIDENCE].hits) == [
        "Study 1",
        "Study 2",
        "Study 3",
    ]
    page = viewer_client.get(SEARCH, {"q": "repatriation"}).content.decode()
    assert "The best matches among the newest 3" in page
    monkeypatch.setattr(search, "RANKED_MATCHES", 5)
    groups = {group.kind: group for group in search.search("repatriation", user=viewer)}
    assert groups[Kind.EVIDENCE].ranked_of is None
    assert groups[Kind.EVIDENCE].hits[0].title == "Repatriation"


# -- British and American spellings ------------------------------------------------------------


def test_british_and_american_spellings_find_each_other(viewer, viewer_client, recommendation):
    EvidenceFactory(
        title="Programme of the victim support centre",
        summary="The organisation trained defence lawyers.",
        recommendations=[recommendation],
    )
    EvidenceFactory(
        title="Labor inspection programs",
        summary="Inspectors of a labor organization were organized by region.",
        recommendations=[recommendation],
    )
    narrative = "North Korea 2021"
    assert found("labour", viewer, Kind.REPORT) == [narrative]  # "forced labor"
    assert found("labourers", viewer, Kind.REPORT) == [narrative]  # "laborers"
    assert found("neighboring", viewer, Kind.RECOMMENDATION) == ["PRK-2021-03 · North Korea 2021"]
    both = sorted(["Programme of the victim support centre", "Labor inspection programs"])
    assert (
        sorted(found("programme", viewer, Kind.EVIDENCE))
        == [
            "Labor inspection programs",
            "Programme of the victim support centre",
        ]
        == both
    )
    assert found("program center defense", viewer, Kind.EVIDENCE) == [
        "Programme of the victim support centre"
    ]
    assert sorted(found("organisation", viewer, Kind.EVIDENCE)) == both
    assert found("labour organised", viewer, Kind.EVIDENCE) == ["Labor inspection programs"]
    # The lists' `q` searches the same way.
    listed = viewer_client.get("/evidence/", {"q": "labour"}).context["page_obj"]
    assert [item.title for item in listed] == ["Labor inspection programs"]


def test_every_spelling_pair_is_a_plain_word_of_the_query_language():
    for british, american in search.SPELLINGS:
        assert search._WORD.fullmatch(british) and search._WORD.fullmatch(american)
        assert british != american
