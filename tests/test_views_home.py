"""The home page: a worklist per role for one report year, recent changes, what awaits review."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
)
from tracker import services
from tracker.models import Evidence, Recommendation


def section(page: str, heading_id: str) -> str:
    """Return the HTML of the card whose heading has `heading_id`."""
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def test_anonymous_visitors_are_sent_to_the_login_page_when_the_public_site_is_off(
    client, settings
):
    settings.PUBLIC_SITE = False
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_home_page_counts_the_latest_year_by_status(viewer_client, analyst):
    old = ReportFactory(year=2020)
    RecommendationFactory.create_batch(3, report=old)
    new = ReportFactory(year=2022)
    recs = RecommendationFactory.create_batch(4, report=new)
    services.recommendation_set_status(
        recommendation=recs[0],
        status="in_progress",
        reason="Decree.",
        by=analyst,
        effective_date=datetime.date(2022, 6, 1),
    )
    page = viewer_client.get("/").text
    counts = section(page, "latest-heading")
    assert "2022 recommendations by status" in counts
    assert "?year=2022&amp;status=no_action" in counts
    rows = counts.split("<tr>")
    no_action = next(row for row in rows if "status=no_action" in row)
    in_progress = next(row for row in rows if "status=in_progress" in row)
    assert '<td class="num">3</td>' in no_action
    assert '<td class="num">1</td>' in in_progress
    assert ">4</a>" in counts
    # The counts are those of the follow-up period's last day, and the page says so.
    assert "Follow-up period 1 April 2022 – 31 March 2023; statuses on 31 March 2023." in counts


def test_the_home_page_lists_my_items_only(analyst_client, analyst, reviewer):
    mine = RecommendationFactory(owner=analyst, text="Mine to follow.")
    RecommendationFactory(owner=reviewer, text="Someone else's.")
    page = section(analyst_client.get("/").text, "mine-heading")
    assert mine.reference in page and "Mine to follow." in page
    assert "Someone else" not in page


def test_the_home_page_shows_the_last_ten_status_changes_with_who_when_and_why(
    viewer_client, analyst
):
    rec = RecommendationFactory()
    now = timezone.now()
    for i in range(12):
        # Each recorded after the one before; back and forth, as a change must change the status.
        StatusChangeFactory(
            recommendation=rec,
            changed_by=analyst,
            reason=f"Reason number {i:02d}.",
            new_status="in_progress" if i % 2 == 0 else "no_action",
        )
    page = section(viewer_client.get("/").text, "changes-heading")
    assert page.count("<tr>") == 1 + 10
    assert "Reason number 11." in page and "Reason number 02." in page
    assert "Reason number 01." not in page
    assert page.index("Reason number 11.") < page.index("Reason number 10.")
    assert '<div class="muted small">analyst · <time' in page
    assert f"{now:%Y}" in page


def test_assessments_waiting_for_review_show_for_reviewers_only(
    reviewer_client, analyst_client, analyst
):
    waiting = AssessmentFactory(author=analyst, submitted=True, year=2022)
    AssessmentFactory(author=analyst)
    page = reviewer_client.get("/").text
    queue = section(page, "review-heading")
    assert f"/recommendations/{waiting.recommendation_id}/assessments/2022/" in queue
    assert queue.count("<li>") == 1
    assert "review-heading" not in analyst_client.get("/").text


def test_the_review_queue_on_the_home_page_is_every_years(reviewer_client, analyst):
    ReportFactory(year=2023)
    old = AssessmentFactory(author=analyst, state="submitted", year=2021)
    AssessmentFactory(author=analyst, state="submitted", year=2021)
    new = AssessmentFactory(
        author=analyst,
        state="submitted",
        year=2023,
        recommendation=RecommendationFactory(report=ReportFactory(year=2023)),
    )
    response = reviewer_client.get("/")
    assert response.context["year"] == 2023
    queue = section(response.text, "review-heading")
    assert "waiting for review, all years" in queue
    assert '<span class="muted small">3</span>' in queue
    assert f"{old.recommendation.reference} · 2021" in queue
    assert f"{new.recommendation.reference} · 2023" in queue
    assert "2 of 2021" in queue and "1 of 2023" in queue
    assert 'href="/assessments/review/"' in queue


def test_the_carried_over_count_links_to_the_items_that_need_review(viewer_client):
    RecommendationFactory.create_batch(2, needs_review=True)
    RecommendationFactory(needs_review=False)
    page = viewer_client.get("/").text
    assert (
        '<a href="/recommendations/?year=2021&amp;needs_review=yes"><strong>2</strong> carried over'
        in page
    )


def _fill(n, analyst, reviewer):
    report = ReportFactory(year=2022)
    recs = Recommendation.objects.bulk_create(
        Recommendation(
            report=report,
            number=i,
            reference=f"{report.country.code}-2022-{i:03d}",
            text=f"Item {i}",
            pillar="prevention",
            owner=reviewer,
            needs_review=i % 2 == 0,
        )
        for i in range(1, n + 1)
    )
    for rec in recs:
        StatusChangeFactory(recommendation=rec, changed_by=analyst)
        AssessmentFactory(recommendation=rec, author=analyst, submitted=True)


@pytest.mark.parametrize("rows", [10, 500])
def test_the_home_page_takes_a_fixed_number_of_queries(
    django_assert_num_queries, reviewer_client, analyst, reviewer, rows
):
    _fill(rows, analyst, reviewer)
    # Session, user, permissions with the user's groups, years, recent changes, the year's
    # counts, the changes effective after its as-of day (up to a limit) and its statuses, the
    # assessments' counts, my items, my assessments, my evidence, the review queue's count by
    # year and its oldest items, my saved filters.
    with django_assert_num_queries(15):
        response = reviewer_client.get("/")
    assert response.status_code == 200
    assert response.context["review_waiting"]["total"] == rows


def test_only_reviewers_get_the_review_queue_in_the_navigation(reviewer_client, analyst_client):
    assert 'href="/assessments/review/"' in reviewer_client.get("/").content.decode()
    assert 'href="/assessments/review/"' not in analyst_client.get("/").content.decode()


# -- The worklist --------------------------------------------------------------------------


@pytest.fixture
def workday(analyst, other_analyst, reviewer):
    """A year of work: items of mine and others', carried over, with and without evidence."""
    report = ReportFactory(year=2022)
    ReportFactory(year=2021)
    mine = RecommendationFactory.create_batch(4, report=report, owner=analyst)
    RecommendationFactory.create_batch(2, report=report, owner=other_analyst, needs_review=True)
    Recommendation.objects.filter(pk__in=[mine[0].pk, mine[1].pk]).update(needs_review=True)
    EvidenceFactory(logged_by=analyst, title="My NGO report", recommendations=[mine[0]])
    # Evidence the owner cannot see does not count for them: the list would not show it either.
    EvidenceFactory(
        logged_by=other_analyst,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        recommendations=[mine[1]],
    )
    AssessmentFactory(recommendation=mine[0], year=2022, author=analyst)
    AssessmentFactory(recommendation=mine[1], year=2022, author=analyst, returned=True)
    AssessmentFactory(recommendation=mine[2], year=2022, author=analyst, submitted=True)
    AssessmentFactory(recommendation=mine[3], year=2022, author=analyst, approved=True)
    AssessmentFactory(year=2021, author=analyst)  # another year
    return mine


def _shown(page, url):
    """Return the number shown in bold inside the link to `url` on the page."""
    anchor = page.index(f'<a href="{url.replace("&", "&amp;")}"><strong>')
    return int(page[anchor:].split("<strong>", 1)[1].split("</strong>", 1)[0])


@pytest.mark.parametrize("client_name", ["analyst_client", "reviewer_client"])
def test_each_worklist_count_is_what_its_link_lists(request, workday, client_name):
    client = request.getfixturevalue(client_name)
    response = client.get("/", {"year": 2022})
    page = response.text
    links = response.context["links"]
    checked = 0
    for name, url in links.items():
        if "<strong>" not in page.split(url.replace("&", "&amp;"), 1)[-1][:20]:
            continue
        listed = client.get(url).context["count"]
        assert _shown(page, url) == listed, name
        checked += 1
    assert checked >= (3 if client_name == "reviewer_client" else 8)


def test_the_analysts_worklist_counts_their_work_in_the_chosen_year(analyst_client, workday):
    counts = analyst_client.get("/", {"year": 2022}).context
    assert counts["counts"]["mine"] == 4
    assert counts["counts"]["mine_carried_over"] == 2
    assert counts["counts"]["mine_no_evidence"] == 3
    assert counts["counts"]["mine_unapproved"] == 3
    assert counts["assessment_counts"]["my_drafts"] == 1
    assert counts["assessment_counts"]["my_returned"] == 1
    page = section(analyst_client.get("/", {"year": 2022}).text, "my-assessments-heading")
    assert page.index("Returned") < page.index("Draft")
    assert "My NGO report" in section(analyst_client.get("/").text, "my-evidence-heading")


def test_the_year_selector_chooses_the_year_and_ignores_one_without_narratives(
    analyst_client, workday
):
    assert analyst_client.get("/").context["year"] == 2022
    assert analyst_client.get("/", {"year": 2021}).context["counts"]["mine"] == 0
    assert analyst_client.get("/", {"year": 2021}).context["assessment_counts"]["my_drafts"] == 1
    assert analyst_client.get("/", {"year": "1999"}).context["year"] == 2022
    assert analyst_client.get("/", {"year": "x" * 50}).status_code == 200


def test_each_role_gets_its_own_worklist(viewer_client, analyst_client, reviewer_client, workday):
    viewer = viewer_client.get("/").text
    assert "mine-heading" not in viewer and "review-heading" not in viewer
    assert "latest-heading" in viewer
    analyst = analyst_client.get("/").text
    assert "mine-heading" in analyst and "my-assessments-heading" in analyst
    assert "review-heading" not in analyst
    reviewer = reviewer_client.get("/").text
    assert "review-heading" in reviewer and "mine-heading" in reviewer
    queue = section(reviewer, "review-heading")
    assert queue.count("<li>") == 1 and "by analyst" in queue


def test_the_list_filters_by_assessment_state_and_author(analyst_client, workday, other_analyst):
    AssessmentFactory(recommendation=workday[3], year=2023, author=other_analyst)

    def listed(**params):
        response = analyst_client.get("/recommendations/", {"year": 2022, **params})
        return sorted(row.pk for row in response.context["page_obj"])

    first, second, third, fourth = (rec.pk for rec in workday)
    assert listed(assessment="draft", assessment_by="me") == [first]
    assert listed(assessment="draft") == [first, fourth]
    assert listed(assessment="returned", assessment_by="me") == [second]
    assert listed(assessment="submitted") == [third]
    assert listed(assessment_by="me") == [first, second, third, fourth]
    others = Recommendation.objects.filter(report__year=2022).exclude(owner__username="analyst")
    assert listed(assessment="none") == sorted(others.values_list("pk", flat=True))
