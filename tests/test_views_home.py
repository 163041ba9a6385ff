"""The home page: the user's own items, the latest year, recent changes and what awaits review."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import (
    AssessmentFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
)
from tracker import services
from tracker.models import Recommendation


def section(page: str, heading_id: str) -> str:
    """Return the HTML of the card whose heading has `heading_id`."""
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
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
        StatusChangeFactory(
            recommendation=rec,
            changed_by=analyst,
            reason=f"Reason number {i:02d}.",
            recorded_at=now - datetime.timedelta(hours=12 - i),
        )
    page = section(viewer_client.get("/").text, "changes-heading")
    assert page.count("<tr>") == 1 + 10
    assert "Reason number 11." in page and "Reason number 02." in page
    assert "Reason number 01." not in page
    assert page.index("Reason number 11.") < page.index("Reason number 10.")
    assert "<td>analyst</td>" in page
    assert f"{now:%Y}" in page


def test_assessments_waiting_for_review_show_for_reviewers_only(
    reviewer_client, analyst_client, analyst
):
    waiting = AssessmentFactory(author=analyst, state="submitted", year=2022)
    AssessmentFactory(author=analyst, state="draft")
    page = reviewer_client.get("/").text
    queue = section(page, "review-heading")
    assert f"/recommendations/{waiting.recommendation_id}/assessments/2022/" in queue
    assert queue.count("<li>") == 1
    assert "review-heading" not in analyst_client.get("/").text


def test_the_carried_over_count_links_to_the_items_that_need_review(viewer_client):
    RecommendationFactory.create_batch(2, needs_review=True)
    RecommendationFactory(needs_review=False)
    page = viewer_client.get("/").text
    assert '<a href="/recommendations/?needs_review=yes"><strong>2</strong> need review' in page


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
        AssessmentFactory(recommendation=rec, author=analyst, state="submitted")


@pytest.mark.parametrize("rows", [10, 500])
def test_the_home_page_takes_a_fixed_number_of_queries(
    django_assert_num_queries, reviewer_client, analyst, reviewer, rows
):
    _fill(rows, analyst, reviewer)
    # Session, user, permissions (2), latest year, status counts, totals, my items, recent
    # changes, the user's groups, the review queue and its count.
    with django_assert_num_queries(12):
        response = reviewer_client.get("/")
    assert response.status_code == 200
    assert response.context["awaiting_count"] == rows


def test_only_reviewers_get_the_review_queue_in_the_navigation(reviewer_client, analyst_client):
    assert 'href="/assessments/review/"' in reviewer_client.get("/").content.decode()
    assert 'href="/assessments/review/"' not in analyst_client.get("/").content.decode()
