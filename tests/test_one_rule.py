"""Rules written once and obeyed from every entry point: citations, owners, years, evidence counts,
effective dates and tiers."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from reports.summary import build_summary
from tests.factories import (
    CountryFactory,
    EvidenceFactory,
    FindingFactory,
    RecommendationFactory,
    ReportFactory,
    UserFactory,
)
from tracker import permissions, roles, services
from tracker.models import (
    FIRST_REPORT_YEAR,
    LAST_REPORT_YEAR,
    Assessment,
    Evidence,
    StatusChange,
    TierPlacement,
    is_report_year,
)

pytestmark = pytest.mark.django_db

EFFECTIVE = datetime.date(2021, 6, 1)


@pytest.fixture
def two_items(analyst):
    report = ReportFactory()
    return RecommendationFactory(report=report, number=1), RecommendationFactory(
        report=report, number=2
    )


# --- Citations ---------------------------------------------------------------------------------


def test_a_status_change_cannot_cite_evidence_logged_against_another_item(analyst, two_items):
    item, other = two_items
    elsewhere = EvidenceFactory(recommendations=[other], logged_by=analyst)
    with pytest.raises(ValidationError) as refused:
        services.recommendation_set_status(
            recommendation=item,
            status="in_progress",
            reason="A new law",
            by=analyst,
            evidence=[elsewhere],
            effective_date=EFFECTIVE,
        )
    assert "logged against" in str(refused.value)
    assert not StatusChange.objects.exists()


def test_a_status_change_may_cite_evidence_logged_against_its_item(analyst, two_items):
    item, _ = two_items
    own = EvidenceFactory(recommendations=[item], logged_by=analyst)
    change = services.recommendation_set_status(
        recommendation=item,
        status="in_progress",
        reason="A new law",
        by=analyst,
        evidence=[own],
        effective_date=EFFECTIVE,
    )
    assert list(change.evidence.all()) == [own]


def test_citing_evidence_one_cannot_see_is_refused_as_before(analyst, other_analyst, two_items):
    item, _ = two_items
    hidden = EvidenceFactory(
        recommendations=[item],
        logged_by=other_analyst,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
    )
    with pytest.raises(PermissionDenied):
        services.recommendation_set_status(
            recommendation=item,
            status="in_progress",
            reason="A new law",
            by=analyst,
            evidence=[hidden],
            effective_date=EFFECTIVE,
        )


def test_an_assessment_cannot_cite_evidence_or_findings_of_another_item(analyst, two_items):
    item, other = two_items
    elsewhere = EvidenceFactory(recommendations=[other], logged_by=analyst)
    with pytest.raises(ValidationError):
        services.assessment_draft(
            recommendation=item,
            year=2021,
            by=analyst,
            rating="limited",
            confidence="low",
            evidence=[elsewhere],
        )
    foreign = FindingFactory(report=ReportFactory(year=2020, country=item.report.country))
    with pytest.raises(ValidationError):
        services.assessment_draft(
            recommendation=item,
            year=2021,
            by=analyst,
            rating="limited",
            confidence="low",
            findings=[foreign],
        )
    assert not Assessment.objects.exists()


def test_the_api_refuses_a_citation_of_evidence_of_another_item(analyst, two_items):
    item, other = two_items
    elsewhere = EvidenceFactory(recommendations=[other], logged_by=analyst)
    client = Client()
    client.force_login(analyst)
    etag = client.get(f"/api/v1/recommendations/{item.pk}/")["ETag"]
    response = client.post(
        f"/api/v1/recommendations/{item.pk}/status-changes/",
        {"status": "in_progress", "reason": "A new law", "evidence": [elsewhere.pk]},
        content_type="application/json",
        headers={"if-match": etag},
    )
    assert response.status_code == 400, response.content
    assert not StatusChange.objects.exists()


def test_the_admin_offers_no_way_to_cite_evidence_in_an_assessment(admin_user, two_items):
    item, other = two_items
    elsewhere = EvidenceFactory(recommendations=[other], logged_by=admin_user)
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:tracker_assessment_add"),
        {
            "recommendation": item.pk,
            "year": 2021,
            "rating": "limited",
            "confidence": "low",
            "narrative": "",
            "evidence": [elsewhere.pk],
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert not assessment.evidence.exists()


# --- Owners --------------------------------------------------------------------------------------


def test_only_an_owner_candidate_may_be_assigned_whatever_the_entry_point(analyst, two_items):
    item, _ = two_items
    viewer = UserFactory(username="just-a-viewer", role=roles.VIEWER)
    assert viewer not in permissions.owner_candidates()
    with pytest.raises(ValidationError):
        services.recommendation_set_owner(recommendation=item, owner=viewer, by=analyst)
    item.refresh_from_db()
    assert item.owner is None


def test_the_owner_filter_offers_candidates_and_whoever_owns_an_item(analyst, two_items):
    from tracker.filters import RecommendationFilterSet

    item, _ = two_items
    services.recommendation_set_owner(recommendation=item, owner=analyst, by=analyst)
    # The analyst loses the role afterwards: the items they own can still be filtered by them.
    analyst.groups.clear()
    UserFactory(username="a-candidate", role=roles.ANALYST)
    UserFactory(username="only-reads", role=roles.VIEWER)
    filterset = RecommendationFilterSet({}, user=analyst)
    # The menu is read when the form needs it (one query for all the list's menus).
    names = [value for value, _ in filterset.form.fields["owner"].choices]
    assert "analyst" in names and "a-candidate" in names
    assert "only-reads" not in names


# --- Years ---------------------------------------------------------------------------------------


def test_one_range_of_report_years():
    assert (FIRST_REPORT_YEAR, LAST_REPORT_YEAR) == (2001, 2100)
    assert is_report_year(2001) and is_report_year(2100)
    assert not is_report_year(2000) and not is_report_year(2101)


def test_the_api_answers_a_year_outside_the_range_with_404(viewer_client):
    response = viewer_client.get("/api/v1/summaries/2000/")
    assert response.status_code == 404


# --- Evidence counts -----------------------------------------------------------------------------


def test_the_country_page_does_not_count_withdrawn_evidence(viewer_client, analyst, two_items):
    item, _ = two_items
    kept = EvidenceFactory(recommendations=[item], logged_by=analyst)
    gone = EvidenceFactory(recommendations=[item], logged_by=analyst)
    services.evidence_withdraw(evidence=gone, reason="Logged twice by mistake.", by=analyst)
    response = viewer_client.get(reverse("country_detail", args=[item.report.country.slug]))
    years = {row.year: row for row in response.context["data"].years}
    assert years[2021].evidence == 1
    assert kept.pk != gone.pk


def test_the_comparison_does_not_count_withdrawn_evidence(viewer_client, analyst, two_items):
    item, _ = two_items
    EvidenceFactory(recommendations=[item], logged_by=analyst)
    gone = EvidenceFactory(recommendations=[item], logged_by=analyst)
    services.evidence_withdraw(evidence=gone, reason="Logged twice by mistake.", by=analyst)
    response = viewer_client.get(reverse("compare"), {"year": 2021, "tier": "tier_3"})
    (row,) = [r for r in response.context["result"].rows if r.report_id]
    assert row.evidence == 1


# --- Tiers ---------------------------------------------------------------------------------------


def test_a_summary_reads_each_years_tier_from_the_placements_alone(db):
    country = CountryFactory()
    ReportFactory(country=country, year=2021)
    TierPlacement.objects.create(country=country, year=2019, tier="tier_2", source="table")
    history = build_summary(year=2021, country=country).countries[0].tier_history
    assert history == [(2019, "tier_2"), (2021, "tier_3")]
    # The placement is the one record of a year's tier: the summary never reads the tier
    # again from the narrative, so what the placements say is what it shows.
    TierPlacement.objects.filter(country=country, year=2021).update(tier="tier_2_watch_list")
    history = build_summary(year=2021, country=country).countries[0].tier_history
    assert history == [(2019, "tier_2"), (2021, "tier_2_watch_list")]


# --- Effective dates -----------------------------------------------------------------------------


def test_the_form_bounds_are_exactly_the_days_the_service_accepts(analyst):
    report_2020 = ReportFactory(year=2020)
    earlier = RecommendationFactory(report=report_2020, number=1)
    later = RecommendationFactory(
        report=ReportFactory(year=2021, country=report_2020.country),
        number=1,
        predecessor=earlier,
        link_kind="repeated",
    )
    bounds = services.effective_date_bounds(earlier)
    assert bounds.first == datetime.date(2020, 4, 1)
    assert bounds.last == datetime.date(2021, 3, 31)
    assert bounds.successor == later.reference
    one_day = datetime.timedelta(days=1)
    statuses = iter(["in_progress", "regressed", "implemented", "no_action"])
    for day, accepted in (
        (bounds.first - one_day, False),
        (bounds.first, True),
        (bounds.last, True),
        (bounds.last + one_day, False),
    ):
        try:
            services.recommendation_set_status(
                recommendation=earlier,
                status=next(statuses),
                reason="Checked against the bounds",
                by=analyst,
                effective_date=day,
            )
        except ValidationError as exc:
            assert not accepted, exc.messages
            assert "effective_date" in exc.message_dict
        else:
            assert accepted, day
