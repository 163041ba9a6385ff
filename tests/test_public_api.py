"""The public API under /api/v1/public/: anonymous, read-only, from public snapshots, throttled."""

import pytest
import yaml
from django.core.cache import caches
from django.test import Client

from reports import services as report_services
from tests.public_site import NORTH_KOREA, forget_public_caches, import_narratives
from tracker.models import Country

pytestmark = pytest.mark.django_db

API = "/api/v1/public/"


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_public_caches()
    caches["throttle"].clear()
    yield
    forget_public_caches()


@pytest.fixture
def published(reviewer):
    import_narratives(*NORTH_KOREA)
    korea = Country.objects.get(slug="north-korea")
    records = {
        year: report_services.summary_publish(year=year, country=korea, by=reviewer)
        for year in (2020, 2021)
    }
    records["internal"] = report_services.summary_publish(
        year=2021, country=korea, by=reviewer, audience="internal"
    )
    return records


def test_the_countries_are_those_published_with_their_tiers(client, published):
    body = client.get(f"{API}countries/").json()
    assert body["count"] == 1
    (korea,) = body["results"]
    assert korea["slug"] == "north-korea" and korea["tier"] == "tier_3"
    assert korea["latest_year"] == 2021 and korea["latest_summary"] == published[2021].pk
    assert {"year": 2021, "tier": "tier_3"} in korea["tiers"]
    assert korea["summaries"] == [published[2021].pk, published[2020].pk]
    assert client.get(f"{API}countries/north-korea/").json() == korea
    missing = client.get(f"{API}countries/atlantis/")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_the_summaries_are_the_public_ones_with_their_frozen_content(client, published):
    body = client.get(f"{API}summaries/").json()
    assert [s["id"] for s in body["results"]] == [published[2021].pk, published[2020].pk]
    detail = client.get(f"{API}summaries/{published[2021].pk}/").json()
    assert detail["sha256"] == published[2021].sha256
    assert detail["content"]["audience"] == "public"
    assert detail["by_status"]["no_action"] == 11
    assert client.get(f"{API}summaries/{published['internal'].pk}/").status_code == 404
    only_2020 = client.get(f"{API}summaries/?year=2020").json()["results"]
    assert [s["year"] for s in only_2020] == [2020]
    assert client.get(f"{API}summaries/?country=syria").json()["count"] == 0


def test_the_statuses_are_one_row_per_recommendation_and_published_year(client, published):
    body = client.get(f"{API}statuses/").json()
    assert body["count"] == 21  # 10 of 2020 and 11 of 2021
    row = client.get(f"{API}statuses/?reference=PRK-2021-02").json()["results"][0]
    assert row["predecessor"] == "PRK-2020-02" and row["link_kind"] == "reworded"
    assert row["status"] == "no_action" and row["summary_id"] == published[2021].pk
    page = client.get(f"{API}statuses/?page_size=5").json()
    assert len(page["results"]) == 5 and page["next"]
    bad = client.get(f"{API}statuses/?year=twenty")
    assert bad.status_code == 400
    assert "year" in bad.json()["errors"]


def test_credentials_change_nothing_and_nothing_is_written(reviewer_client, client, published):
    assert reviewer_client.get(f"{API}summaries/").json() == client.get(f"{API}summaries/").json()
    assert client.post(f"{API}summaries/", {}).status_code == 405
    assert reviewer_client.post(f"{API}summaries/", {}).status_code == 405


def test_answers_carry_validators_and_a_conditional_request_gets_304(client, published):
    first = client.get(f"{API}countries/")
    assert first["Cache-Control"] == "public, max-age=300"
    assert (
        client.get(f"{API}countries/", headers={"if-none-match": first["ETag"]}).status_code == 304
    )
    other = client.get(f"{API}summaries/")
    assert other["ETag"] != first["ETag"]


def test_each_address_is_throttled_on_its_own(published, settings):
    settings.PUBLIC_API_RATE = "3/minute"
    first, second = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    assert [first.get(f"{API}countries/").status_code for _ in range(3)] == [200] * 3
    refused = first.get(f"{API}countries/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert second.get(f"{API}countries/").status_code == 200


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(published, settings):
    settings.PUBLIC_API_RATE = "2/minute"
    settings.BEHIND_TLS_PROXY = True
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    def ask(forwarded):
        return proxy.get(f"{API}countries/", headers={"x-forwarded-for": forwarded}).status_code

    # A client's own claim comes first; the proxy appends the address it saw.
    assert [ask("192.0.2.1, 203.0.113.5"), ask("192.0.2.2, 203.0.113.5")] == [200, 200]
    assert ask("192.0.2.3, 203.0.113.5") == 429
    assert ask("203.0.113.9") == 200


def test_with_the_public_site_off_the_public_api_answers_nothing(client, published, settings):
    settings.PUBLIC_SITE = False
    for path in ("", "countries/", "summaries/", "statuses/", "schema/", "countries/north-korea/"):
        assert client.get(f"{API}{path}").status_code == 404, path


def test_the_public_schema_describes_the_public_endpoints_to_anyone(client, db):
    schema = yaml.safe_load(client.get(f"{API}schema/").content)
    assert set(schema["paths"]) == {
        f"{API}countries/",
        f"{API}countries/{{slug}}/",
        f"{API}summaries/",
        f"{API}summaries/{{id}}/",
        f"{API}statuses/",
    }
    listed = schema["paths"][f"{API}statuses/"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"country", "year", "reference", "page"}
    assert set(listed["responses"]) == {"200", "304", "400", "404", "429"}
