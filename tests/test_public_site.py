"""The public site: its pages for a visitor who is not signed in, built from public snapshots only.

Real narratives (North Korea 2020 and 2021) are published for the public through the reports
app's service; the pages, files, feeds and headers are then read as an anonymous visitor.
"""

import datetime
import hashlib
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api import public as public_record
from reports import exportjobs
from reports import services as report_services
from reports.exporters import filename
from reports.models import PublishedRendering, PublishedSummary
from tests.public_site import NORTH_KOREA, Crawler, forget_public_caches, import_narratives
from tracker import services
from tracker.models import Country, Evidence, Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_public_caches()
    yield
    forget_public_caches()


@pytest.fixture
def korea(db):
    import_narratives(*NORTH_KOREA)
    return Country.objects.get(slug="north-korea")


@pytest.fixture
def published(korea, analyst, reviewer):
    """The 2020 and 2021 summaries of North Korea, published for the public."""
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    item = services.evidence_log(
        by=analyst,
        title="UN Panel of Experts report on overseas workers",
        source_type=Evidence.SourceType.UN,
        direction=Evidence.Direction.PROGRESS,
        sensitivity="public",
        source_name="UN Security Council",
        url="https://example.org/panel",
        published_on=datetime.date(2021, 9, 1),
        recommendations=[rec],
    )
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="The panel reports that deductions from wages stopped.",
        reason_sensitivity="public",
        by=analyst,
        effective_date=datetime.date(2021, 10, 1),
        evidence=[item],
    )
    return {
        year: report_services.summary_publish(year=year, country=korea, by=reviewer)
        for year in (2020, 2021)
    }


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- The pages ---------------------------------------------------------------------------------


def test_a_visitor_who_is_not_signed_in_sees_the_front_page_with_each_country(client, published):
    html = _html(client.get("/"))
    assert "Are governments acting on the Trafficking in Persons recommendations?" in html
    assert f'href="{reverse("public_country", args=["north-korea"])}"' in html
    assert "Tier 3" in html
    assert f'href="{reverse("public_summary", args=[published[2021].pk])}"' in html
    assert 'href="/accounts/login/"' in html and "Sign in" in html


def test_a_signed_in_user_keeps_the_worklist_at_the_root(viewer_client, published):
    response = viewer_client.get("/")
    assert response.status_code == 200
    assert "public/front.html" not in [t.name for t in response.templates]
    assert "tracker/home.html" in [t.name for t in response.templates]
    assert response["Cache-Control"] == "private, no-store"


def test_the_front_page_says_so_when_nothing_is_published(client, korea):
    assert "Nothing has been published for the public yet." in _html(client.get("/"))


def test_the_country_page_follows_each_recommendation_through_the_published_years(
    client, published
):
    html = _html(client.get(reverse("public_country", args=["north-korea"])))
    assert '<th scope="col">2020</th><th scope="col">2021</th>' in html
    # PRK-2021-04 continues PRK-2020-04: one row, two years, two reports in a row.
    row = html[html.index('href="/public/recommendations/PRK-2021-04/"') :]
    row = row[: row.index("</tr>")]
    assert '<td class="num">2</td>' in row
    assert "PRK-2020-04" in row and "In progress" in row
    # The tier timeline comes with its numbers, and can be embedded.
    assert "North Korea: tier by report year" in html
    assert reverse("public_country_chart", args=["north-korea", "tiers"]) in html
    assert reverse("public_country_feed", args=["north-korea"]) in html


def test_an_unknown_country_or_one_never_published_is_not_found(client, published):
    Country.objects.create(name="Nowhere", slug="nowhere", code="NWH")
    for slug in ("nowhere", "atlantis"):
        response = client.get(reverse("public_country", args=[slug]))
        assert response.status_code == 404
        assert response["Cache-Control"] == "private, no-store"


def test_the_summary_page_shows_the_snapshot_its_sha256_and_its_files(client, published):
    record = published[2021]
    html = _html(client.get(reverse("public_summary", args=[record.pk])))
    assert record.sha256 in html
    assert "The panel reports that deductions from wages stopped." in html
    assert "UN Panel of Experts report on overseas workers" in html
    summary = json.loads(record.content)
    json_url = reverse("public_summary_file", args=[record.pk, _name(record, "json")])
    assert f'href="{json_url}"' in html
    # Not rendered by the worker yet: said, and never rendered in the request.
    assert html.count("not ready yet") == 3
    assert summary["audience"] == "public"


def _name(record, fmt):
    return filename(public_record.read_publication(_row(record)).summary, fmt)


def _row(record):
    return (
        record.pk,
        record.year,
        record.country.slug if record.country else None,
        record.published_at,
        record.sha256,
        record.content,
        record.audience,
    )


def test_a_file_not_rendered_yet_is_said_to_be_not_ready_and_is_not_rendered(client, published):
    record = published[2021]
    response = client.get(reverse("public_summary_file", args=[record.pk, _name(record, "pdf")]))
    assert response.status_code == 404
    assert "not ready yet" in response.content.decode()
    assert not PublishedRendering.objects.exists()


@pytest.mark.slow
def test_the_downloads_are_the_stored_bytes_with_their_sha256(client, published):
    record = published[2021]
    exportjobs.render_published(record.pk)
    html = _html(client.get(reverse("public_summary", args=[record.pk])))
    assert "not ready yet" not in html
    for rendering in PublishedRendering.objects.filter(summary=record):
        url = reverse("public_summary_file", args=[record.pk, _name(record, rendering.format)])
        assert f'href="{url}"' in html and rendering.sha256 in html
        response = client.get(url)
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == rendering.sha256
        with rendering.file.open("rb") as stored:
            assert body == stored.read()
        assert response["ETag"] == f'"{rendering.sha256}"'
    response = client.get(reverse("public_summary_file", args=[record.pk, _name(record, "json")]))
    assert response.content == record.content.encode("utf-8")
    assert hashlib.sha256(response.content).hexdigest() == record.sha256


def test_a_file_name_that_is_not_the_summarys_is_not_found(client, published):
    record = published[2021]
    for name in ("summary.pdf", _name(record, "html").replace(".html", ".exe"), "x.json"):
        response = client.get(reverse("public_summary_file", args=[record.pk, name]))
        assert response.status_code == 404


def test_the_recommendation_page_shows_its_lineage_with_word_diffs(client, published):
    html = _html(client.get(reverse("public_recommendation", args=["PRK-2021-02"])))
    assert "Reworded" in html
    # 2020 said "from destination countries", 2021 "from other countries".
    assert '<del class="diff-delete">destination</del>' in html
    assert '<ins class="diff-insert">other</ins>' in html
    assert 'href="/public/recommendations/PRK-2020-02/"' in html
    html = _html(client.get(reverse("public_recommendation", args=["PRK-2021-04"])))
    assert "The panel reports that deductions from wages stopped." in html
    assert "in 2 reports in a row" in html


def test_a_reference_never_published_is_not_found(client, published):
    Recommendation.objects.get(reference="PRK-2021-04")  # it exists, live
    assert client.get(reverse("public_recommendation", args=["PRK-2018-01"])).status_code == 404
    assert client.get(reverse("public_recommendation", args=["XYZ"])).status_code == 404


def test_the_glossary_is_public_with_every_section(client, db):
    html = _html(client.get(reverse("public_glossary")))
    for anchor in ("periods", "statuses", "ratings", "tiers", "links"):
        assert f'id="{anchor}"' in html


def test_an_embedded_chart_may_be_framed_and_no_other_page_may(client, published):
    response = client.get(reverse("public_country_chart", args=["north-korea", "tiers"]))
    html = _html(response)
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "<svg" in html and "<table" in html and 'target="_top"' in html
    for url in ("/", reverse("public_country", args=["north-korea"])):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert client.get("/public/countries/north-korea/charts/nothing/").status_code == 404


def test_the_embed_setting_names_the_sites_that_may_frame_a_chart(client, published, settings):
    settings.PUBLIC_EMBED_ANCESTORS = "https://partner.example.org"
    response = client.get(reverse("public_country_chart", args=["north-korea", "statuses"]))
    assert response["Content-Security-Policy"].endswith(
        "frame-ancestors https://partner.example.org"
    )


def test_only_summaries_published_for_the_public_are_shown(client, korea, reviewer):
    internal = report_services.summary_publish(
        year=2021, country=korea, by=reviewer, audience="internal"
    )
    assert "Nothing has been published for the public yet." in _html(client.get("/"))
    assert client.get(reverse("public_summary", args=[internal.pk])).status_code == 404
    assert client.get(reverse("public_country", args=["north-korea"])).status_code == 404


def _overwrite(record, content: str, sha256: str) -> None:
    """Change a published row behind the app's back (the model refuses to)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PublishedSummary._meta.db_table} SET content = %s, sha256 = %s WHERE id = %s",
            [content, sha256, record.pk],
        )


def test_a_snapshot_whose_content_no_longer_matches_its_sha256_is_not_shown(
    client, published, caplog
):
    record = published[2021]
    _overwrite(record, record.content.replace("North Korea", "Somewhere else"), record.sha256)
    assert client.get(reverse("public_summary", args=[record.pk])).status_code == 404
    assert "public-snapshot-mismatch" in caplog.text


def _withhold_texts(record) -> None:
    """Mark the texts of `record` withheld, as a snapshot of the sensitivity rules marks them
    (the words themselves left in, to show that the mark alone keeps them off the site)."""
    data = json.loads(record.content)
    for row in data["countries"][0]["recommendations"]:
        for change in row["changes"]:
            change["reason_withheld"] = True
        if row["assessment"]:
            row["assessment"]["narrative_withheld"] = True
    content = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    _overwrite(record, content, hashlib.sha256(content.encode("utf-8")).hexdigest())


def test_a_withheld_reason_is_said_to_be_not_public_and_its_words_are_never_shown(
    client, published
):
    _withhold_texts(published[2021])
    for url in (
        reverse("public_summary", args=[published[2021].pk]),
        reverse("public_recommendation", args=["PRK-2021-04"]),
    ):
        html = _html(client.get(url))
        assert "The reason is not public." in html
        assert "deductions from wages stopped" not in html


def test_a_newer_publication_of_the_same_summary_is_pointed_to(client, published, reviewer):
    older = published[2021]
    rec = Recommendation.objects.get(reference="PRK-2021-05")
    services.recommendation_set_status(
        recommendation=rec,
        status="cannot_assess",
        reason="No reliable information reached us.",
        by=reviewer,
        effective_date=datetime.date(2021, 11, 1),
    )
    newer = report_services.summary_publish(year=2021, country=older.country, by=reviewer)
    html = _html(client.get(reverse("public_summary", args=[older.pk])))
    assert "A newer publication of this summary exists" in html
    assert f'href="{reverse("public_summary", args=[newer.pk])}"' in html
    # The country page and its latest year follow the newer one.
    html = _html(client.get(reverse("public_country", args=["north-korea"])))
    assert "Cannot assess" in html


# --- Feeds, sitemap, robots ------------------------------------------------------------------


def test_the_feeds_list_each_publication(client, published, settings):
    feed = client.get(reverse("public_feed"))
    assert feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert body.count("<entry>") == 2
    assert "North Korea: progress summary 2021" in body
    assert f"http://testserver{reverse('public_summary', args=[published[2021].pk])}" in body
    country = client.get(reverse("public_country_feed", args=["north-korea"])).content.decode()
    assert country.count("<entry>") == 2
    assert client.get(reverse("public_country_feed", args=["atlantis"])).status_code == 404


def test_the_sitemap_lists_every_public_page_at_the_site_address(client, published, settings):
    settings.SITE_URL = "https://tracker.example.org"
    body = client.get("/sitemap.xml").content.decode()
    locations = set(re.findall(r"<loc>([^<]+)</loc>", body))
    expected = {
        "/",
        reverse("public_glossary"),
        reverse("public_data"),
        reverse("public_data_dictionary"),
        reverse("public_country", args=["north-korea"]),
        reverse("public_summary", args=[published[2020].pk]),
        reverse("public_summary", args=[published[2021].pk]),
        reverse("public_recommendation", args=["PRK-2020-01"]),
        reverse("public_recommendation", args=["PRK-2021-11"]),
    }
    assert {f"https://tracker.example.org{path}" for path in expected} <= locations
    assert all(url.startswith("https://tracker.example.org/") for url in locations)
    robots = client.get("/robots.txt").content.decode()
    assert "Allow: /public/" in robots and "Disallow: /\n" in robots
    assert "Sitemap: https://tracker.example.org/sitemap.xml" in robots


# --- Who may reach what ----------------------------------------------------------------------

# Open to anyone besides the public site: the sign-in pages, and the glossary (definitions only).
# The language menu serves visitors too: it remembers their choice in a cookie.
PUBLIC_NAMES = {"home", "login", "admin:login", "glossary", "language_set", "language_link"}
_SAMPLE = {
    "year": "2021",
    "slug": "north-korea",
    "pk": "1",
    "change_pk": "1",
    "reference": "X",
    "public_id": "00000000-0000-4000-8000-000000000000",
}


def _concrete(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: _SAMPLE.get(m[1], "1"), route)


def _routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            yield name, prefix + str(pattern.pattern)


def _is_public(name: str) -> bool:
    return name in PUBLIC_NAMES or name.startswith(("public_", "public_api:"))


def test_every_staff_url_still_sends_an_anonymous_visitor_to_sign_in(client, published):
    checked = 0
    for name, route in _routes(get_resolver().url_patterns):
        if _is_public(name) or route.startswith("^"):
            continue
        path = _concrete(route)
        response = client.get(path)
        if route.startswith("api/v1/") and response.status_code != 302:
            # The staff API answers without credentials as an API does: refused, not a page.
            assert response.status_code in (401, 403), (name, path, response.status_code)
        else:
            assert response.status_code == 302, (name, path, response.status_code)
            assert response["Location"].startswith(("/accounts/login/", "/admin/login/")), (
                name,
                path,
            )
        checked += 1
    assert checked > 60


def test_with_the_public_site_off_no_public_url_answers(client, published, settings):
    answers = Crawler().crawl()
    assert len(answers) > 30
    forget_public_caches()
    settings.PUBLIC_SITE = False
    for path in answers:
        response = client.get(path)
        if path == "/":
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")
        else:
            assert response.status_code == 404, (path, response.status_code)


# --- Caching ----------------------------------------------------------------------------------


def test_a_public_page_answers_a_conditional_request_with_304(client, published, reviewer):
    url = reverse("public_country", args=["north-korea"])
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    assert client.get(url, headers={"if-modified-since": modified}).status_code == 304
    not_modified = client.get(url, headers={"if-none-match": etag})
    assert not_modified["ETag"] == etag
    assert not_modified["Cache-Control"].startswith("public")
    # A new publication changes the page's validators: the old ones get the whole page.
    rec = Recommendation.objects.get(reference="PRK-2021-06")
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="A draft law was tabled.",
        by=reviewer,
        effective_date=datetime.date(2021, 12, 1),
    )
    report_services.summary_publish(year=2021, country=rec.report.country, by=reviewer)
    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 200 and again["ETag"] != etag
    assert "In progress" in again.content.decode()


def test_each_kind_of_answer_carries_its_own_cache_headers(client, viewer_client, published):
    record = published[2021]
    pages = [
        "/",
        reverse("public_country", args=["north-korea"]),
        reverse("public_summary", args=[record.pk]),
        reverse("public_data"),
        reverse("public_data_file", args=["statuses.csv"]),
        reverse("public_feed"),
        "/sitemap.xml",
        reverse("public_api:countries"),
    ]
    for url in pages:
        response = client.get(url)
        assert response["Cache-Control"] == "public, max-age=300", url
        assert response["ETag"] and response["Last-Modified"], url
    frozen = client.get(reverse("public_summary_file", args=[record.pk, _name(record, "json")]))
    assert frozen["Cache-Control"] == "public, max-age=2592000"
    # Staff pages, and anything a signed-in user reads, stay out of every cache.
    for url in ("/", reverse("recommendation_list"), reverse("published_summary_detail", args=[1])):
        assert viewer_client.get(url)["Cache-Control"] == "private, no-store", url
    assert client.get("/accounts/login/")["Cache-Control"] == "private, no-store"


def test_a_cached_public_page_costs_one_query(client, published, django_assert_num_queries):
    # Built, the summary page reads its stored renderings; kept, only the state of publication.
    url = reverse("public_summary", args=[published[2021].pk])
    first = client.get(url)
    with django_assert_num_queries(1):
        again = client.get(url)
    assert again.content == first.content


def test_a_public_page_is_built_in_a_fixed_number_of_queries(
    client, published, django_assert_num_queries
):
    # Nothing cached: the state of publication, then the snapshots, whatever their number.
    with django_assert_num_queries(2):
        client.get(reverse("public_country", args=["north-korea"]))
    forget_public_caches()
    with django_assert_num_queries(3):  # and the stored renderings of this summary
        client.get(reverse("public_summary", args=[published[2021].pk]))


def test_the_pages_are_the_same_bytes_for_every_visitor(client, viewer_client, published):
    for url in (reverse("public_country", args=["north-korea"]), reverse("public_data")):
        assert client.get(url).content == viewer_client.get(url).content
    assert "viewer" not in client.get(reverse("public_data")).content.decode()


def test_seed_demo_publishes_the_2021_north_korea_summary_for_the_public(settings, capsys):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo")
    record = PublishedSummary.objects.get()
    assert (record.country.slug, record.year, record.audience) == ("north-korea", 2021, "public")
    assert record.published_by.username == "reviewer"
    assert "published for the public" in capsys.readouterr().out
    call_command("seed_demo")  # again: nothing more
    assert PublishedSummary.objects.count() == 1
    html = Client().get("/").content.decode()
    assert "North Korea" in html and "Report year 2021" in html
