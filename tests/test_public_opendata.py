"""Open data: one CSV and one JSON file per kind of published fact, described and checksummed."""

import csv
import datetime
import hashlib
import io
import json

import pytest
from django.urls import reverse

from public import opendata
from reports import services as report_services
from tests.public_site import NORTH_KOREA, forget_public_caches, import_narratives
from tracker import services
from tracker.models import Country, Evidence, Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_public_caches()
    yield
    forget_public_caches()


@pytest.fixture
def published(analyst, reviewer):
    import_narratives(*NORTH_KOREA)
    korea = Country.objects.get(slug="north-korea")
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    for sensitivity in ("public", "internal"):
        services.evidence_log(
            by=analyst,
            title=f"A {sensitivity} report",
            source_type=Evidence.SourceType.MEDIA,
            direction=Evidence.Direction.NO_CHANGE,
            sensitivity=sensitivity,
            source_name='=HYPERLINK("http://evil.example")',
            published_on=datetime.date(2021, 9, 1),
            recommendations=[rec],
        )
    return {
        year: report_services.summary_publish(year=year, country=korea, by=reviewer)
        for year in (2020, 2021)
    }


def _file(client, name) -> bytes:
    response = client.get(reverse("public_data_file", args=[name]))
    assert response.status_code == 200, name
    return response.content


def _csv(client, name) -> list[dict]:
    # Every CSV starts with a byte-order mark, for Excel.
    return list(csv.DictReader(io.StringIO(_file(client, name).decode("utf-8-sig"))))


def test_every_dataset_has_a_csv_and_a_json_with_the_same_rows(client, published):
    for dataset in opendata.DATASETS:
        rows = _csv(client, f"{dataset.name}.csv")
        document = json.loads(_file(client, f"{dataset.name}.json"))
        columns = [c.name for c in dataset.columns]
        assert document["columns"] == columns and list(rows[0]) == columns
        assert len(document["rows"]) == len(rows) > 0, dataset.name
        assert document["licence"]["name"].endswith("(CC BY 4.0)")
        for from_csv, from_json in zip(rows, document["rows"], strict=True):
            assert list(from_json) == columns
            assert from_csv["summary_id"] == str(from_json["summary_id"])


def test_the_files_keep_codes_and_english_column_names(client, published):
    statuses = _csv(client, "statuses.csv")
    assert len(statuses) == 21
    row = next(r for r in statuses if r["reference"] == "PRK-2021-02")
    assert row["status"] == "no_action" and row["pillar"] == "protection"
    assert row["link_kind"] == "reworded" and row["predecessor"] == "PRK-2020-02"
    countries = _csv(client, "countries.csv")
    assert {(r["year"], r["tier"]) for r in countries} >= {("2020", "tier_3"), ("2021", "tier_3")}
    summaries = _csv(client, "summaries.csv")
    assert [r["summary_id"] for r in summaries] == [str(p.pk) for p in published.values()]
    assert summaries[1]["sha256"] == published[2021].sha256


def test_only_published_public_evidence_is_in_the_evidence_file(client, published):
    rows = _csv(client, "evidence.csv")
    assert [r["title"] for r in rows] == ["A public report"]
    assert rows[0]["reference"] == "PRK-2021-04" and rows[0]["source_type"] == "media"
    # A cell that a spreadsheet would run as a formula is made inert.
    assert not rows[0]["source_name"].startswith("=")


def test_the_checksums_file_lists_every_file_with_its_sha256(client, published):
    lines = _file(client, opendata.CHECKSUMS).decode("ascii").splitlines()
    assert len(lines) == 2 * len(opendata.DATASETS)
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256(_file(client, name)).hexdigest() == digest
    page = client.get(reverse("public_data")).content.decode()
    for line in lines:
        digest, name = line.split("  ")
        assert digest in page and f'href="{reverse("public_data_file", args=[name])}"' in page
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in page


def test_the_licence_and_publisher_come_from_the_settings(client, published, settings):
    settings.OPEN_DATA_LICENCE_NAME = "Open Government Licence v3.0"
    settings.OPEN_DATA_LICENCE_URL = "https://example.org/ogl"
    settings.ORGANISATION_NAME = "Anti-Slavery Watch"
    document = json.loads(_file(client, "summaries.json"))
    assert document["licence"] == {
        "name": "Open Government Licence v3.0",
        "url": "https://example.org/ogl",
    }
    assert document["publisher"] == "Anti-Slavery Watch"
    page = client.get(reverse("public_data")).content.decode()
    assert 'href="https://example.org/ogl" rel="license"' in page
    assert "Anti-Slavery Watch" in page


def test_the_dictionary_describes_every_column_and_code(client, published):
    page = client.get(reverse("public_data_dictionary")).content.decode()
    for dataset in opendata.DATASETS:
        assert f'id="{dataset.name}"' in page
        for column in dataset.columns:
            assert f"<code>{column.name}</code>" in page, column.name
            if column.codes:
                assert f'id="codes-{column.codes}"' in page
    for codes in opendata.CODE_LISTS.values():
        for code in codes:
            assert f"<dt><code>{code}</code></dt>" in page


def test_an_unknown_file_is_not_found(client, published):
    assert client.get(reverse("public_data_file", args=["secrets.csv"])).status_code == 404


def test_with_nothing_published_the_files_hold_their_headers(client, db):
    header = "\ufeffsummary_id,country,year,reference"
    assert _file(client, "statuses.csv").decode().startswith(header)
    assert json.loads(_file(client, "statuses.json"))["rows"] == []


def test_the_files_are_the_same_bytes_in_every_language_and_the_page_reads_in_it(
    client, published, reviewer
):
    # Their labels are marked for translation, but the files are data: English, and their
    # checksums the same whoever asks. An all-countries summary's scope is such a label.
    report_services.summary_publish(year=2021, country=None, by=reviewer)
    forget_public_caches()
    names = ("summaries.json", "summaries.csv", "statuses.json", "sha256sums.txt")
    english = {name: _file(client, name) for name in names}
    assert '"scope":"All countries"' in english["summaries.json"].decode()
    client.cookies["django_language"] = "ko"
    forget_public_caches()
    page = client.get(reverse("public_data"))
    assert page.status_code == 200
    assert '<html lang="ko"' in page.content.decode()
    for name, content in english.items():
        assert _file(client, name) == content, name
