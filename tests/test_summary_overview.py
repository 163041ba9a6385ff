"""The all-countries overview: the summary's figures counted, never its items listed.

`reports.overview.build_overview` must give every figure `build_summary` gives for the
all-countries page (each country's totals and tiers, the scope's totals and history, what is
withheld), for every reader and audience, and the page must read the same either way.
"""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from reports import exporters, published
from reports.overview import build_overview
from reports.summary import STATUS_LABELS, build_summary
from tests.factories import (
    AssessmentFactory,
    CountryFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
    UserFactory,
)
from tracker import roles, services
from tracker.models import Audience, Evidence, Recommendation

pytestmark = pytest.mark.django_db

Status = Recommendation.Status
Sensitivity = Evidence.Sensitivity
D = datetime.date


@pytest.fixture
def world(reviewer):
    """Two countries over three years: chains, dropped items, changes on predecessors, reasons
    and narratives of every sensitivity, evidence shared, withdrawn, outside the period and
    restricted, an item with nothing, a country with a gap year."""
    analyst = UserFactory(username="overview-analyst", role=roles.ANALYST)
    ruritania = CountryFactory(name="Ruritania", slug="ruritania", code="RUR")
    freedonia = CountryFactory(name="Freedonia", slug="freedonia", code="FRE")
    reports = {
        (country, year): ReportFactory(country=country, year=year, tier=tier)
        for country, year, tier in [
            (ruritania, 2019, "tier_2"),
            (ruritania, 2020, "tier_2_watch_list"),
            (ruritania, 2021, "tier_3"),
            (freedonia, 2019, "tier_1"),
            (freedonia, 2021, "tier_2"),
        ]
    }

    def item(country, year, number, predecessor=None, pillar=Recommendation.Pillar.PROSECUTION):
        return RecommendationFactory(
            report=reports[country, year],
            number=number,
            predecessor=predecessor,
            link_kind=Recommendation.LinkKind.REPEATED if predecessor else "",
            pillar=pillar,
        )

    r19 = item(ruritania, 2019, 1)
    r20 = item(ruritania, 2020, 1, predecessor=r19)
    r20_dropped = item(ruritania, 2020, 2, pillar=Recommendation.Pillar.PROTECTION)
    r21 = item(ruritania, 2021, 1, predecessor=r20)
    r21_new = item(ruritania, 2021, 2, pillar=Recommendation.Pillar.PREVENTION)
    f19 = item(freedonia, 2019, 1)
    f21 = item(freedonia, 2021, 1, predecessor=f19)
    f21_bare = item(freedonia, 2021, 2)

    # Changes on the chains: on predecessors before the period (counted at its start), in it on
    # the items, with reasons of every sensitivity, and one voided.
    StatusChangeFactory(
        recommendation=r19, new_status=Status.IN_PROGRESS, effective_date=D(2019, 9, 1)
    )
    for rec, status, day, sensitivity in [
        (r20, Status.IMPLEMENTED, D(2021, 2, 2), Sensitivity.PUBLIC),
        (r21, Status.REGRESSED, D(2021, 11, 3), Sensitivity.RESTRICTED),
        (r21_new, Status.IN_PROGRESS, D(2021, 7, 1), Sensitivity.INTERNAL),
        (f21, Status.CANNOT_ASSESS, D(2022, 1, 5), Sensitivity.PUBLIC),
    ]:
        services.recommendation_set_status(
            recommendation=rec,
            status=status,
            reason=f"Reason for {rec.reference}",
            by=analyst,
            effective_date=day,
            reason_sensitivity=sensitivity,
        )
    voided = services.recommendation_set_status(
        recommendation=f21,
        status=Status.IMPLEMENTED,
        reason="Entered in error",
        by=analyst,
        effective_date=D(2022, 2, 1),
    )
    services.status_change_void(change=voided, reason="Entered against the wrong item", by=reviewer)

    first = AssessmentFactory(recommendation=r21, year=2021, rating="limited", approved=True)
    AssessmentFactory(
        recommendation=r21,
        year=2021,
        revision=2,
        supersedes=first,
        rating="substantial",
        approved=True,
    )
    private = AssessmentFactory(recommendation=f21, year=2021, rating="no_progress", approved=True)
    services.assessment_set_narrative_sensitivity(
        assessment=private,
        sensitivity=Sensitivity.RESTRICTED,
        reason="Names a witness",
        by=reviewer,
    )
    AssessmentFactory(recommendation=r20, year=2020, rating="regression", approved=True)

    EvidenceFactory(recommendations=[r21, r21_new, f21], source_type=Evidence.SourceType.NGO)
    EvidenceFactory(
        recommendations=[r21],
        sensitivity=Sensitivity.INTERNAL,
        direction=Evidence.Direction.PROGRESS,
    )
    EvidenceFactory(
        recommendations=[f21],
        sensitivity=Sensitivity.RESTRICTED,
        logged_by=analyst,
        source_type=Evidence.SourceType.MEDIA,
    )
    EvidenceFactory(recommendations=[r21], published_on=D(2021, 3, 1))  # before the period
    gone = EvidenceFactory(recommendations=[r21_new, f21])
    services.evidence_withdraw(evidence=gone, reason="A duplicate", by=reviewer)
    return {"analyst": analyst, "f21_bare": f21_bare, "r20_dropped": r20_dropped}


def _readers(world, viewer, reviewer):
    return [None, viewer, world["analyst"], reviewer]


def _assert_same_figures(overview, full):
    assert overview.totals == full.totals
    assert overview.history == full.history
    assert [c.name for c in overview.countries] == [c.name for c in full.countries]
    for counted, listed in zip(overview.countries, full.countries, strict=True):
        assert counted.totals == listed.totals, counted.name
        assert counted.tier_history == listed.tier_history
        assert (counted.tier, counted.previous_tier, counted.years_without_tier) == (
            listed.tier,
            listed.previous_tier,
            listed.years_without_tier,
        )
        assert counted.withheld_reasons == listed.withheld_reasons
        assert counted.withheld_narratives == listed.withheld_narratives
    assert overview.withheld_reasons == full.withheld_reasons
    assert overview.withheld_narratives == full.withheld_narratives


def test_the_overview_counts_what_the_summary_lists_for_every_reader_and_audience(
    world, viewer, reviewer
):
    # Evidence withdrawn today counts as withdrawn only in a summary as of today.
    days = [None, D(2021, 3, 31), D(2021, 8, 1), D(2022, 1, 20), timezone.localdate()]
    seen = set()
    for user in _readers(world, viewer, reviewer):
        for audience in Audience.allowed_for(user):
            for as_of in days:
                full = build_summary(year=2021, as_of=as_of, audience=audience, user=user)
                overview = build_overview(year=2021, as_of=as_of, audience=audience, user=user)
                _assert_same_figures(overview, full)
                seen.add(
                    (
                        full.totals.evidence_items,
                        full.totals.evidence_withdrawn,
                        full.withheld_reasons,
                        full.withheld_narratives,
                        full.totals.status_changes,
                    )
                )
    # The world is varied enough that the comparisons above compared different figures.
    assert len(seen) >= 5
    full = build_summary(
        year=2021, as_of=timezone.localdate(), user=reviewer, audience="restricted"
    )
    assert full.totals.by_link_kind["dropped"] == 1
    # Withdrawn from an item of each country: each country counts it, the scope counts it once,
    # as it counts the evidence still standing.
    assert [c.totals.evidence_withdrawn for c in full.countries] == [1, 1]
    assert full.totals.evidence_withdrawn == 1
    assert full.totals.without_evidence == 1
    assert full.totals.by_rating["substantial"] == 1


def test_the_all_countries_page_reads_the_same_from_the_overview_as_from_the_summary(
    world, reviewer, rf
):
    request = rf.get("/")
    request.user = reviewer
    for audience in Audience.allowed_for(reviewer):
        full = build_summary(year=2021, audience=audience, user=reviewer)
        overview = build_overview(year=2021, audience=audience, user=reviewer)
        overview.generated_at = full.generated_at
        pages = [
            render_to_string(
                "reports/summary_all.html",
                exporters.page_context(summary, sort="country", sort_columns=True, live=True),
                request=request,
            )
            for summary in (overview, full)
        ]
        # The forms' CSRF tokens are masked afresh on each rendering.
        pages = [re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page) for page in pages]
        assert pages[0] == pages[1]
        assert "Ruritania" in pages[0]


def test_the_page_is_built_from_the_overview_and_a_download_from_the_summary(
    world, reviewer_client
):
    url = reverse("summary_all", args=[2021])
    page = reviewer_client.get(url, {"audience": "restricted"})
    assert page.status_code == 200
    assert page.context["summary"].listed is False
    download = reviewer_client.get(url, {"audience": "restricted", "format": "json"})
    assert download.status_code == 200
    assert "Reason for RUR-2021-01" in download.content.decode()


def test_an_overview_is_never_exported_or_published(world, reviewer):
    overview = build_overview(year=2021, user=reviewer, audience="restricted")
    with pytest.raises(ValueError, match="lists none"):
        exporters.to_json(overview)
    with pytest.raises(ValueError, match="lists none"):
        exporters.to_csv(overview)
    with pytest.raises(ValueError, match="lists none"):
        published.summary_to_dict(overview)


def test_vocabulary_labels_are_translated_once_per_language_and_follow_the_active_one():
    with translation.override("fr"):
        french = STATUS_LABELS["implemented"]
        assert dict(STATUS_LABELS.items())["implemented"] == french
    with translation.override("en"):
        assert STATUS_LABELS["implemented"] == "Implemented"
        assert STATUS_LABELS.get("unknown", "-") == "-"
    with translation.override("fr"):
        assert STATUS_LABELS["implemented"] == french
        assert french == str(Recommendation.Status.IMPLEMENTED.label)
    assert french != "Implemented"
