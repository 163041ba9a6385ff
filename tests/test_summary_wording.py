"""What a summary says about its day, its parameters and its gaps, on every entry point."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from reports.summary import build_summary
from tracker import services
from tracker.models import Recommendation

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def url(seed_report):
    return reverse("summary_country", args=[2021, seed_report.country.slug])


def test_a_day_before_the_period_says_the_period_had_not_begun(seed_report, viewer_client, url):
    page = viewer_client.get(url, {"as_of": "2021-01-01"}).content.decode()
    assert "between 1 April 2021 and 1 January 2021" not in page
    assert "The follow-up period begins on 1 April 2021, after the as-of day (1 January 2021)" in (
        page
    )
    assert "before the period began: statuses on 1 January 2021" in page


def test_a_past_day_inside_an_ended_period_is_not_called_running(seed_report):
    summary = build_summary(year=2021, country=seed_report.country, as_of=D(2021, 8, 1))
    assert "still running" not in summary.period_statement
    assert summary.as_of_words == "part-way through the period: statuses on 1 August 2021"


def test_a_future_day_is_refused_on_a_styled_page_that_says_why(seed_report, viewer_client, url):
    response = viewer_client.get(url, {"as_of": "2999-01-01"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "This summary cannot be shown as asked" in page
    assert "1 January 2999 is in the future" in page
    assert f'href="{url}"' in page
    assert '<link rel="stylesheet"' in page


def test_an_analyst_asking_for_the_restricted_view_is_told_which_views_they_may_read(
    seed_report, analyst_client, url
):
    response = analyst_client.get(url, {"audience": "restricted"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "You may not read the restricted view of a summary; you may read: public, internal." in (
        page
    )


def test_the_api_and_the_command_refuse_with_the_pages_words(seed_report, analyst_client):
    answer = analyst_client.get("/api/v1/summaries/2021/", {"as_of": "2999-01-01"})
    assert answer.status_code == 400
    assert "1 January 2999 is in the future" in answer.content.decode()
    answer = analyst_client.get("/api/v1/summaries/2021/", {"audience": "restricted"})
    assert answer.status_code == 400
    assert "You may not read the restricted view" in answer.content.decode()
    with pytest.raises(CommandError, match="1 January 2999 is in the future"):
        call_command("progress_summary", year=2021, as_of="2999-01-01")
    with pytest.raises(CommandError, match="There is no 'secret' view"):
        call_command("progress_summary", year=2021, audience="secret")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("progress_summary", year=2021, as_of="yesterday")


def test_the_recommendation_list_refuses_a_future_day(seed_report, viewer_client):
    response = viewer_client.get(reverse("recommendation_list"), {"as_of": "2030-01-01"})
    assert "1 January 2030 is in the future" in response.content.decode()
    assert response.context["as_of"] is None


def test_references_on_the_summary_page_link_to_the_recommendations(
    seed_report, viewer_client, url
):
    page = viewer_client.get(url).content.decode()
    first = Recommendation.objects.get(reference="PRK-2021-01")
    assert f'<a class="ref" href="{first.get_absolute_url()}">PRK-2021-01</a>' in page


def test_a_ratings_chart_with_nothing_to_draw_says_so(seed_report, viewer_client, url):
    page = viewer_client.get(url).content.decode()
    assert "No approved assessments in 2018–2021 yet." in page or (
        "No approved assessments in 2021 yet." in page
    )


def test_a_ratings_chart_with_an_approved_assessment_draws_columns(
    seed_report, analyst, reviewer, viewer_client, url
):
    rec = Recommendation.objects.get(reference="PRK-2021-01")
    assessment = services.assessment_draft(
        recommendation=rec, year=2021, by=analyst, rating="limited", confidence="low"
    )
    services.assessment_submit(assessment=assessment, by=analyst)
    services.assessment_approve(assessment=assessment, by=reviewer)
    page = viewer_client.get(url).content.decode()
    assert "No approved assessments in" not in page
    assert "2021 Limited progress: 1" in page
