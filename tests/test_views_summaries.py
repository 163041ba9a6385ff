"""Summary pages: who may read, download and publish; frozen publications; query counts."""

import datetime
import hashlib
import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from reports import services as report_services
from reports.models import PublishedSummary
from reports.summary import STATUS_LABELS
from tests.factories import (
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
    UserFactory,
)
from tracker.models import Evidence, ExportJob, Recommendation

pytestmark = pytest.mark.django_db

Status = Recommendation.Status
SECRET = "Defector testimony, name withheld"


@pytest.fixture
def rec():
    return RecommendationFactory(
        report__year=2021, report__country__name="Freedonia", report__country__slug="freedonia"
    )


@pytest.fixture
def secret_evidence(rec, reviewer):
    return EvidenceFactory(
        recommendations=[rec],
        title=SECRET,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        logged_by=reviewer,
    )


def _urls(year=2021, slug="freedonia"):
    return [
        reverse("summary_index"),
        reverse("summary_all", args=[year]),
        reverse("summary_country", args=[year, slug]),
    ]


def test_anonymous_users_are_sent_to_sign_in(client, rec):
    PublishedSummary.objects.create(
        year=2021, content="{}", sha256="0" * 64, published_by=UserFactory()
    )
    published = PublishedSummary.objects.get()
    urls = _urls() + [
        reverse("published_summary_detail", args=[published.pk]),
        reverse("published_summary_compare", args=[published.pk]),
        reverse("summary_country", args=[2021, "freedonia"]) + "?format=pdf",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("summary_publish_all", args=[2021]))
    assert response.status_code == 302
    assert PublishedSummary.objects.count() == 1


def test_a_signed_in_user_without_a_role_gets_403(rec):
    client = Client()
    client.force_login(UserFactory(username="nobody"))
    for url in _urls():
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("role_client", ["viewer_client", "analyst_client", "reviewer_client"])
def test_every_role_reads_the_summary_pages(role_client, request, rec):
    client = request.getfixturevalue(role_client)
    for url in _urls():
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("summary_country", args=[2021, "freedonia"])).content.decode()
    assert rec.reference in page
    assert 'role="img"' in page and "aria-labelledby" in page


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv", "json"])
def test_a_viewer_downloads_every_format(viewer_client, rec, fmt):
    for url in _urls()[1:]:
        response = viewer_client.get(url + f"?format={fmt}")
        if fmt == "pdf" and url == _urls()[1]:
            # Every all-countries PDF is built by the worker (tests/test_export_jobs.py).
            job = ExportJob.objects.get()
            assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
            continue
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert response["Content-Disposition"].endswith(f'.{fmt}"')
        assert response.getvalue()


def test_an_unknown_format_or_year_is_not_found(viewer_client, rec):
    assert viewer_client.get(_urls()[2] + "?format=docx").status_code == 404
    assert viewer_client.get(reverse("summary_all", args=[1999])).status_code == 404
    assert viewer_client.get(reverse("summary_country", args=[2021, "nowhere"])).status_code == 404


def test_the_index_form_opens_the_chosen_summary(viewer_client, rec):
    response = viewer_client.get(reverse("summary_index"), {"year": 2021, "country": "freedonia"})
    assert response["Location"] == reverse("summary_country", args=[2021, "freedonia"])
    response = viewer_client.get(reverse("summary_index"), {"year": 2021, "country": ""})
    assert response["Location"] == reverse("summary_all", args=[2021])
    page = viewer_client.get(reverse("summary_index")).content.decode()
    assert '<label for="id_year">Report year</label>' in page
    assert '<label for="id_country">Country</label>' in page


def test_restricted_evidence_never_reaches_a_viewer(
    viewer_client, reviewer_client, secret_evidence
):
    for url in _urls()[1:]:
        html = viewer_client.get(url).content.decode()
        assert SECRET not in html
        for fmt in ("json", "csv"):
            assert SECRET not in viewer_client.get(url + f"?format={fmt}").getvalue().decode()
    country_url = _urls()[2]
    # A reviewer reads the internal view by default and chooses the restricted one.
    assert SECRET not in reviewer_client.get(country_url).content.decode()
    restricted = reviewer_client.get(country_url + "?audience=restricted").content.decode()
    assert SECRET in restricted
    assert "Restricted view: all evidence, restricted included" in restricted
    json_url = country_url + "?format=json&audience=restricted"
    assert SECRET in reviewer_client.get(json_url).content.decode()
    # A viewer who asks for the restricted view is told no, and sees nothing of it.
    refused = viewer_client.get(country_url + "?audience=restricted")
    assert refused.status_code == 400
    assert SECRET not in refused.content.decode()


def test_user_text_is_escaped(viewer_client, rec):
    EvidenceFactory(recommendations=[rec], title="<script>alert(1)</script>")
    html = viewer_client.get(_urls()[2]).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_has_no_inline_style_or_script(viewer_client, rec):
    for url in _urls():
        html = viewer_client.get(url).content.decode()
        assert "style=" not in html
        assert "<style" not in html
        # Scripts come only from the app's own files (the summaries form's country menu).
        assert re.findall(r"<script[^>]*>", html) in (
            [],
            ['<script src="/static/js/summary_choice.js" defer>'],
        )


def test_the_all_countries_table_sorts_by_a_column(viewer_client):
    for name, recs in (("Alpha", 1), ("Beta", 3), ("Gamma", 2)):
        report = ReportFactory(year=2021, country__name=name, country__slug=name.lower())
        for i in range(recs):
            RecommendationFactory(report=report, number=i + 1)

    def order(sort):
        html = viewer_client.get(reverse("summary_all", args=[2021]), {"sort": sort})
        text = html.content.decode()
        return sorted(("Alpha", "Beta", "Gamma"), key=lambda n: text.index(f">{n}</a>"))

    assert order("country") == ["Alpha", "Beta", "Gamma"]
    assert order("-recommendations") == ["Beta", "Gamma", "Alpha"]
    assert order("recommendations") == ["Alpha", "Gamma", "Beta"]
    assert order("nonsense") == ["Alpha", "Beta", "Gamma"]


def _populate(countries: int):
    logger = UserFactory(username="logger")
    for n in range(countries):
        report = ReportFactory(year=2021, country__name=f"Land {n:03d}")
        for i in range(3):
            rec = RecommendationFactory(report=report, number=i + 1)
            StatusChangeFactory(recommendation=rec, effective_date=datetime.date(2021, 9, 1))
            EvidenceFactory(recommendations=[rec], logged_by=logger)


@pytest.mark.parametrize("countries", [2, 50])
def test_the_all_countries_page_takes_a_fixed_number_of_queries(
    countries, viewer_client, django_assert_num_queries
):
    _populate(countries)
    url = reverse("summary_all", args=[2021])
    # The same whatever the number of countries: session and user, the user's permissions
    # with their groups (which the page header shows), and the nine queries of build_overview.
    with django_assert_num_queries(12):
        response = viewer_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="chart-strip"') == countries


def _checked(client, url, **data) -> dict:
    """Return the publish form's fields once the reviewer checked the page: confirmed, with the
    SHA-256 of the snapshot the check showed."""
    check = client.get(url, data).context["check"]
    return {**data, "confirm": "yes", "sha256": check.sha256}


def test_a_viewer_cannot_publish_and_nothing_is_written(viewer_client, analyst_client, rec):
    for client in (viewer_client, analyst_client):
        assert client.post(reverse("summary_publish_all", args=[2021])).status_code == 403
        url = reverse("summary_publish_country", args=[2021, "freedonia"])
        assert client.post(url).status_code == 403
    assert not PublishedSummary.objects.exists()


def test_the_publish_service_refuses_a_user_without_the_permission(rec, analyst):
    with pytest.raises(PermissionDenied):
        report_services.summary_publish(year=2021, country=None, by=analyst)
    assert not PublishedSummary.objects.exists()


def test_publishing_shows_the_summary_its_audience_and_day_and_asks_for_confirmation(
    reviewer_client, rec, secret_evidence
):
    url = reverse("summary_publish_country", args=[2021, "freedonia"])
    page = reviewer_client.get(url, {"audience": "public", "as_of": "2022-01-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Publish the 2021 summary of Freedonia?" in html
    assert "Public view: public evidence only" in html
    assert "statuses on 31 January 2022" in html
    assert 'type="checkbox" name="confirm"' in html
    assert SECRET not in html
    # A post without the confirmation publishes nothing and shows the page again.
    again = reviewer_client.post(url, {"audience": "public"})
    assert again.status_code == 400
    assert "Nothing was published" in again.content.decode()
    assert not PublishedSummary.objects.exists()
    done = reviewer_client.post(
        url, _checked(reviewer_client, url, audience="public", as_of="2022-01-31")
    )
    published = PublishedSummary.objects.get()
    assert done["Location"] == published.get_absolute_url()
    assert (published.audience, published.as_of) == ("public", datetime.date(2022, 1, 31))


def test_the_publish_form_is_csrf_protected(reviewer, rec):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    url = reverse("summary_publish_country", args=[2021, "freedonia"])
    assert client.post(url).status_code == 403
    assert not PublishedSummary.objects.exists()
    page = client.get(reverse("summary_country", args=[2021, "freedonia"])).content.decode()
    assert "csrfmiddlewaretoken" in page
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"csrfmiddlewaretoken": token, **_checked(client, url)})
    assert response.status_code == 302
    assert PublishedSummary.objects.count() == 1


def test_only_reviewers_see_the_publish_button(viewer_client, reviewer_client, rec):
    url = reverse("summary_country", args=[2021, "freedonia"])
    assert "Publish this summary" not in viewer_client.get(url).content.decode()
    assert "Publish this summary" in reviewer_client.get(url).content.decode()
    publish = reverse("summary_publish_country", args=[2021, "freedonia"])
    assert viewer_client.get(publish).status_code == 403


def test_a_reviewer_publishes_the_public_view(reviewer_client, reviewer, rec, secret_evidence):
    url = reverse("summary_publish_country", args=[2021, "freedonia"])
    response = reviewer_client.post(url, _checked(reviewer_client, url))

    published = PublishedSummary.objects.get()
    assert response["Location"] == reverse("published_summary_detail", args=[published.pk])
    assert (published.year, published.country, published.published_by) == (
        2021,
        rec.report.country,
        reviewer,
    )
    assert published.sha256 == hashlib.sha256(published.content.encode()).hexdigest()
    assert SECRET not in published.content
    assert json.loads(published.content)["includes_restricted_evidence"] is False
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Published" in m for m in messages)


def test_publishing_unchanged_content_again_is_refused(reviewer_client, rec):
    url = reverse("summary_publish_all", args=[2021])
    confirmed = _checked(reviewer_client, url)
    reviewer_client.post(url, confirmed)
    response = reviewer_client.post(url, confirmed, follow=True)
    assert PublishedSummary.objects.count() == 1
    assert "Nothing has changed" in response.content.decode()


def test_a_published_summary_stays_frozen_and_compares_with_today(viewer_client, reviewer, rec):
    published = report_services.summary_publish(year=2021, country=rec.report.country, by=reviewer)
    frozen = published.content
    StatusChangeFactory(
        recommendation=rec,
        new_status=Status.IMPLEMENTED,
        effective_date=datetime.date(2022, 3, 1),
    )

    url = reverse("published_summary_detail", args=[published.pk])
    page = viewer_client.get(url).content.decode()
    assert "content matches" in page
    assert (
        "Implemented</span>"
        not in page.split("Prioritized recommendations")[1].split("Assessments and evidence")[0]
    )
    download = viewer_client.get(url + "?format=json")
    assert download.content == frozen.encode("utf-8")
    published.refresh_from_db()
    assert published.content == frozen

    compare = viewer_client.get(reverse("published_summary_compare", args=[published.pk]))
    text = compare.content.decode()
    assert rec.reference in text
    assert "1 difference" in text  # the one status


def test_the_index_lists_published_summaries(viewer_client, reviewer, rec):
    published = report_services.summary_publish(year=2021, country=None, by=reviewer)
    page = viewer_client.get(reverse("summary_index")).content.decode()
    assert reverse("published_summary_detail", args=[published.pk]) in page
    assert published.sha256[:16] in page


def test_there_is_no_way_to_edit_or_delete_a_published_summary(reviewer_client, reviewer, rec):
    published = report_services.summary_publish(year=2021, country=None, by=reviewer)
    url = reverse("published_summary_detail", args=[published.pk])
    assert reviewer_client.post(url).status_code == 405
    assert reviewer_client.delete(url).status_code == 405
    assert PublishedSummary.objects.get().content == published.content


@pytest.mark.parametrize(
    "path",
    [
        "/summaries/99999999999999999999/",
        "/summaries/0/",
        "/summaries/99999/",
        "/summaries/2021/freedonia/?format=json&as_of=0",
        "/summaries/published/99999999999999999999/",
    ],
)
def test_years_and_ids_out_of_range_are_refused_never_a_server_error(viewer_client, rec, path):
    assert viewer_client.get(path).status_code in (400, 404)


def test_a_published_all_countries_table_keeps_each_count_under_its_status(
    viewer_client, reviewer, rec
):
    # The frozen JSON sorts its keys ("cannot_assess" first); the columns follow the vocabulary.
    published = report_services.summary_publish(year=2021, country=None, by=reviewer)
    for url in (reverse("summary_all", args=[2021]), published.get_absolute_url()):
        html = viewer_client.get(url).content.decode()
        start = html.index('<th scope="row">')
        row = html[start : html.index("</tr>", start)]
        labels = re.findall(r'<td class="num" data-label="([^"]+)">(\d+)</td>', row)
        statuses = [(label, n) for label, n in labels if label in STATUS_LABELS.values()]
        assert statuses == [
            (label, "1" if code == "no_action" else "0") for code, label in STATUS_LABELS.items()
        ], url
