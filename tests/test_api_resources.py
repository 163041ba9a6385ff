"""The API's read resources and conventions: paths, shapes, filters, as_of, pages, errors."""

import datetime
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reports import services as report_services
from reports.models import PublishedSummary
from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
)
from tracker import services
from tracker.models import Evidence, Recommendation, TierPlacement

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _evidence_fields(recommendation) -> dict:
    """The fields of a public UN report logged against `recommendation`, without a file."""
    return {
        "title": "Panel report",
        "source_type": "un",
        "direction": "no_change",
        "sensitivity": "public",
        "recommendations": [recommendation.pk],
    }


@pytest.fixture
def client(viewer, token_client):
    return token_client(viewer, "read")


def test_lists_answer_results_next_and_previous(client, seed_report):
    body = client.get("/api/v1/recommendations/").json()
    assert set(body) == {"results", "next", "previous"}
    references = [row["reference"] for row in body["results"]]
    assert references == sorted(references)
    assert references[0] == "PRK-2021-01"


def test_cursor_pages_walk_every_row_once(client, seed_report):
    seen, url = [], "/api/v1/recommendations/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(seed_report.recommendations.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))


def test_north_korea_2021_filter_uses_the_list_page_filters(client, seed_report, db):
    other = RecommendationFactory(report=ReportFactory(year=2021))
    body = client.get("/api/v1/recommendations/?country=north-korea&year=2021").json()
    ids = {row["id"] for row in body["results"]}
    assert other.pk not in ids
    assert ids == set(seed_report.recommendations.values_list("pk", flat=True))
    words = client.get("/api/v1/recommendations/?q=forced+labor&status=no_action").json()
    assert words["results"] and all("forced" in r["text"].lower() for r in words["results"])


def test_an_unknown_filter_value_is_a_problem_with_field_errors(client, seed_report):
    response = client.get("/api/v1/recommendations/?status=done")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert "status" in problem["errors"]


def test_detail_carries_lineage_and_an_etag_from_its_version(client, db):
    old = RecommendationFactory(report=ReportFactory(year=2020))
    new = RecommendationFactory(
        report=ReportFactory(country=old.report.country, year=2021),
        predecessor=old,
        link_kind="reworded",
        version=4,
    )
    response = client.get(f"/api/v1/recommendations/{new.pk}/")
    assert response["ETag"] == f'"recommendation-{new.pk}-v4"'
    body = response.json()
    assert body["predecessor"] == {"id": old.pk, "reference": old.reference}
    assert body["link_kind"] == "reworded"
    assert body["etag"] == response["ETag"]
    assert client.get(f"/api/v1/recommendations/{old.pk}/").json()["successors"] == [
        {"id": new.pk, "reference": new.reference}
    ]


def test_as_of_gives_the_status_on_that_date(client, db):
    recommendation = RecommendationFactory(status="in_progress")
    StatusChangeFactory(
        recommendation=recommendation,
        new_status="in_progress",
        effective_date=datetime.date(2021, 6, 1),
    )
    url = f"/api/v1/recommendations/{recommendation.pk}/"
    assert client.get(url).json()["status_on"] is None
    assert client.get(url + "?as_of=2021-05-31").json()["status_on"] == "no_action"
    assert client.get(url + "?as_of=2021-06-01").json()["status_on"] == "in_progress"
    assert client.get(url + "?as_of=31/05/2021").status_code == 400


def test_status_history_lists_the_changes(client, db):
    change = StatusChangeFactory()
    body = client.get(f"/api/v1/recommendations/{change.recommendation_id}/status-changes/").json()
    assert [row["id"] for row in body["results"]] == [change.pk]
    assert body["results"][0]["new_status"] == "in_progress"
    assert body["results"][0]["effective_date"] == change.effective_date.isoformat()


def test_countries_carry_their_tier_history(client, seed_report):
    TierPlacement.objects.update_or_create(
        country=seed_report.country, year=2020, defaults={"tier": "tier_3", "source": "table"}
    )
    body = client.get(f"/api/v1/countries/{seed_report.country.slug}/").json()
    assert body["code"] == "PRK"
    assert [p["year"] for p in body["tier_history"]] == [2020, 2021]


def test_narratives_carry_sections_and_findings(client, seed_report):
    listed = client.get("/api/v1/reports/?year=2021").json()["results"]
    assert [r["id"] for r in listed] == [seed_report.pk]
    assert listed[0]["reporting_period"] == {"start": "2020-04-01", "end": "2021-03-31"}
    body = client.get(f"/api/v1/reports/{seed_report.pk}/").json()
    assert body["tier"] == "tier_3"
    assert "prosecution" in body["sections"]
    assert len(body["findings"]) == seed_report.findings.count()
    assert len(body["recommendations"]) == seed_report.recommendations.count()


def test_evidence_file_downloads_as_an_attachment(client, analyst, db):
    recommendation = RecommendationFactory()
    evidence = services.evidence_log(
        by=analyst,
        title="Panel report",
        source_type="un",
        direction="no_change",
        sensitivity="public",
        recommendations=[recommendation],
        file=SimpleUploadedFile("panel.pdf", PDF),
    )
    item = client.get(f"/api/v1/evidence/{evidence.public_id}/").json()
    assert item["file"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    response = client.get(item["file"]["download"], headers={"accept": "application/pdf"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    no_file = EvidenceFactory(recommendations=[recommendation])
    assert client.get(f"/api/v1/evidence/{no_file.public_id}/file/").status_code == 404


def test_evidence_upload_passes_the_form_checks(analyst, token_client, db):
    client = token_client(analyst)
    fields = _evidence_fields(RecommendationFactory())
    disguised = SimpleUploadedFile("panel.pdf", b"MZ\x90\x00 not a pdf at all")
    refused = client.post("/api/v1/evidence/", {**fields, "file": disguised})
    assert refused.status_code == 400
    assert "file" in refused.json()["errors"]
    assert not Evidence.objects.exists()
    accepted = client.post(
        "/api/v1/evidence/", {**fields, "file": SimpleUploadedFile("panel.pdf", PDF)}
    )
    assert accepted.status_code == 201, accepted.content
    evidence = Evidence.objects.get()
    assert evidence.file_sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.logged_by == analyst
    assert accepted.json()["recommendations"] == fields["recommendations"]


def test_evidence_can_be_logged_as_json_without_a_file(analyst, token_client, db):
    recommendation = RecommendationFactory()
    response = token_client(analyst).post(
        "/api/v1/evidence/",
        {
            "title": "Statement",
            "source_type": "government",
            "direction": "progress",
            "sensitivity": "internal",
            "published_on": "2030-01-01",
            "recommendations": [recommendation.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "published_on" in response.json()["errors"]
    assert not Evidence.objects.exists()


def test_assessments_list_and_filter(client, db):
    kept = AssessmentFactory(year=2021)
    AssessmentFactory(year=2022)
    body = client.get("/api/v1/assessments/?year=2021").json()
    assert [row["id"] for row in body["results"]] == [kept.pk]
    detail = client.get(f"/api/v1/assessments/{kept.pk}/")
    assert detail["ETag"] == f'"assessment-{kept.pk}-v1"'


def test_summaries_are_the_json_export(client, viewer, seed_report):
    from reports.published import summary_to_dict
    from reports.summary import build_summary

    body = client.get("/api/v1/summaries/2021/north-korea/").json()
    expected = build_summary(
        year=2021, country=seed_report.country, audience="internal", user=viewer
    )
    assert body == json.loads(json.dumps(summary_to_dict(expected)))
    assert body["audience"] == "internal"
    assert body["follow_up_period"] == {"start": "2021-04-01", "end": "2022-03-31"}
    assert client.get("/api/v1/summaries/2021/").json()["scope"]["country"] is None
    assert client.get("/api/v1/summaries/1999/").status_code == 404
    assert client.get("/api/v1/summaries/2021/atlantis/").status_code == 404


def test_summaries_take_an_as_of_day_and_an_audience(client, reviewer, token_client, seed_report):
    url = "/api/v1/summaries/2021/north-korea/"
    body = client.get(url + "?as_of=2021-06-30&audience=public").json()
    assert (body["as_of"], body["audience"]) == ("2021-06-30", "public")
    refused = client.get(url + "?audience=restricted")
    assert refused.status_code == 400
    assert "audience" in refused.json()["errors"]
    assert client.get(url + "?as_of=2999-01-01").json()["errors"]["as_of"]
    assert client.get(url + "?as_of=June").status_code == 400
    restricted = token_client(reviewer, "read").get(url + "?audience=restricted").json()
    assert restricted["audience"] == "restricted"


def test_published_summaries_list_and_carry_their_frozen_content(client, reviewer, seed_report):
    record = report_services.summary_publish(year=2021, country=seed_report.country, by=reviewer)
    listed = client.get("/api/v1/published-summaries/").json()["results"]
    assert [(r["id"], r["country"], r["sha256"]) for r in listed] == [
        (record.pk, "north-korea", record.sha256)
    ]
    body = client.get(f"/api/v1/published-summaries/{record.pk}/").json()
    assert hashlib.sha256(body["content_json"].encode()).hexdigest() == record.sha256
    assert body["content"]["year"] == 2021
    assert PublishedSummary.objects.count() == 1


def test_unknown_item_is_a_problem_404(client, db):
    response = client.get("/api/v1/recommendations/999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"


def test_recommendation_vocabulary_is_the_design_codes(client, seed_report):
    row = client.get("/api/v1/recommendations/").json()["results"][0]
    assert row["status"] in Recommendation.Status.values
    assert row["pillar"] in Recommendation.Pillar.values


@pytest.mark.parametrize("name", ["../panel.pdf", "a/panel.pdf", "C:\\panel.pdf"])
@pytest.mark.parametrize("credential", ["token", "session"])
def test_an_upload_named_with_a_path_is_refused_as_on_the_page(
    analyst, token_client, db, name, credential
):
    from django.test import Client

    from tests.test_uploads import multipart

    fields = _evidence_fields(RecommendationFactory())
    if credential == "token":
        client, headers = token_client(analyst), {}
    else:
        client = Client(enforce_csrf_checks=True)
        client.force_login(analyst)
        client.get("/accounts/tokens/")
        headers = {"x-csrftoken": client.cookies["csrftoken"].value}
    body, content_type = multipart(fields, "file", name, PDF)
    response = client.post("/api/v1/evidence/", body, content_type=content_type, headers=headers)
    assert response.status_code == 400, response.content
    assert "contains a folder path" in response.json()["errors"]["file"][0]
    assert not Evidence.objects.exists()
    body, content_type = multipart(fields, "file", "panel.pdf", PDF)
    response = client.post("/api/v1/evidence/", body, content_type=content_type, headers=headers)
    assert response.status_code == 201


def test_an_oversized_upload_is_refused_by_its_true_size(analyst, token_client, db, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    recommendation = RecommendationFactory()
    big = PDF + b"0" * 4096
    response = token_client(analyst).post(
        "/api/v1/evidence/",
        {**_evidence_fields(recommendation), "file": SimpleUploadedFile("big.pdf", big)},
    )
    assert response.status_code == 400
    assert (
        f"is {len(big) / 1024:.1f}\xa0KB; files may be at most 1.0"
        in response.json()["errors"]["file"][0]
    )
    assert not Evidence.objects.exists()


def test_as_of_follows_the_lineage_chain(client, db):
    old = RecommendationFactory(report=ReportFactory(year=2020))
    new = RecommendationFactory(
        report=ReportFactory(country=old.report.country, year=2021),
        predecessor=old,
        link_kind="repeated",
    )
    StatusChangeFactory(
        recommendation=old, new_status="in_progress", effective_date=datetime.date(2020, 9, 1)
    )
    url = f"/api/v1/recommendations/{new.pk}/?as_of="
    assert client.get(url + "2020-08-31").json()["status_on"] == "no_action"
    assert client.get(url + "2021-06-01").json()["status_on"] == "in_progress"


def test_voided_changes_and_withdrawn_evidence_say_so(client, analyst, db):
    change = StatusChangeFactory()
    evidence = EvidenceFactory(recommendations=[change.recommendation], logged_by=analyst)
    services.status_change_void(change=change, reason="Entered on the wrong item.", by=analyst)
    services.evidence_withdraw(evidence=evidence, reason="The source was retracted.", by=analyst)
    url = f"/api/v1/recommendations/{change.recommendation_id}/status-changes/"
    assert client.get(url).json()["results"][0]["void_reason"] == "Entered on the wrong item."
    item = client.get(f"/api/v1/evidence/{evidence.public_id}/").json()
    assert item["withdrawal_reason"] == "The source was retracted."
    assert item["withdrawn_at"] is not None
