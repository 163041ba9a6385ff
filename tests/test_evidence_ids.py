"""Evidence is named by a random public identifier wherever a reader sees it: pages, links,
forms, the API (ids, cursors, ETags, file links, citations), search results and summaries. The
integer ids stay inside the database: a reader who may not see every item can no longer count
the restricted ones from the gaps between the ids they see. An old address by id opens only
for those who see every item; for anyone else it is not found, whether or not the item exists.
"""

import base64
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from tests.factories import EvidenceFactory, RecommendationFactory, UserFactory
from tracker import roles
from tracker.models import Evidence

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def logged(db, analyst):
    """Nine items of 2021, every third one restricted (logged by the analyst)."""
    rec = RecommendationFactory(
        report__year=2021, report__country__name="Freedonia", report__country__slug="freedonia"
    )
    return [
        EvidenceFactory(
            recommendations=[rec],
            title=f"Source {n}",
            sensitivity=(
                Evidence.Sensitivity.RESTRICTED if n % 3 == 2 else Evidence.Sensitivity.PUBLIC
            ),
            logged_by=analyst,
        )
        for n in range(9)
    ]


def _no_evidence_id_in(text: str, items) -> None:
    """Assert that no address, value or cursor in `text` names an item by its id."""
    for item in items:
        assert f"/evidence/{item.pk}/" not in text
        assert f'<option value="{item.pk}"' not in text
        assert f'name="evidence" value="{item.pk}"' not in text
        assert f"evidence-{item.pk}-" not in text


def test_the_api_list_names_items_by_public_identifier_and_leaves_no_gaps_to_count(
    logged, viewer, token_client
):
    # The audit's finding: the ids a viewer saw were sequential, and the missing ones were
    # exactly the restricted items.
    client = token_client(viewer, "read")
    first = client.get("/api/v1/evidence/", {"page_size": 4}).json()
    second = client.get(first["next"]).json()
    results = first["results"] + second["results"]
    assert len(results) == 6  # the public ones
    for row in results:
        assert UUID.fullmatch(row["id"])
        assert Evidence.objects.filter(public_id=row["id"]).exists()
        assert row["etag"] == f'"evidence-{row["id"]}-v1"'
    # The cursor of the next page holds a time the item shows, not an id.
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    position = parse_qs(base64.b64decode(cursor + "==").decode())["p"][0]
    assert position == first["results"][-1]["logged_at"].replace("T", " ").replace("Z", "+00:00")
    _no_evidence_id_in(str(first) + str(second), logged)


def test_the_api_detail_file_and_citations_use_the_public_identifier(
    logged, analyst, token_client, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tracker import services

    settings.MEDIA_ROOT = str(tmp_path)
    rec = logged[0].recommendations.get()
    item = services.evidence_log(
        by=analyst,
        title="Testimony with a file",
        source_type="testimony",
        direction="regression",
        recommendations=[rec],
        file=SimpleUploadedFile("notes.txt", b"What was said.\n"),
    )
    client = token_client(analyst)
    detail = client.get(f"/api/v1/evidence/{item.public_id}/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["id"] == str(item.public_id)
    assert body["file"]["download"].endswith(f"/api/v1/evidence/{item.public_id}/file/")
    assert client.get(body["file"]["download"]).status_code == 200
    etag = client.get(f"/api/v1/recommendations/{rec.pk}/")["ETag"]
    change = client.post(
        f"/api/v1/recommendations/{rec.pk}/status-changes/",
        {"status": "in_progress", "reason": "Seen.", "evidence": [str(item.public_id)]},
        content_type="application/json",
        headers={"if-match": etag},
    )
    assert change.status_code == 201, change.content
    assert change.json()["evidence"] == [str(item.public_id)]
    refused = client.post(
        f"/api/v1/recommendations/{rec.pk}/status-changes/",
        {"status": "regressed", "reason": "Seen.", "evidence": [item.pk]},
        content_type="application/json",
        headers={"if-match": change["ETag"]},
    )
    assert refused.status_code == 400
    assert "Unknown for this recommendation" in refused.json()["errors"]["evidence"][0]
    # By id, the item is not found through the API at all.
    assert client.get(f"/api/v1/evidence/{item.pk}/").status_code == 404


def test_pages_and_forms_name_items_by_public_identifier(logged, analyst_client, viewer_client):
    rec = logged[0].recommendations.get()
    listing = viewer_client.get(reverse("evidence_list"), {"per_page": 25}).content.decode()
    assert len(set(re.findall(rf'href="/evidence/({UUID.pattern})/"', listing))) == 6
    detail = analyst_client.get(logged[0].get_absolute_url()).content.decode()
    page = analyst_client.get(reverse("recommendation_detail", args=[rec.pk])).content.decode()
    assert re.search(rf'<option value="{UUID.pattern}">(?:\[\w+\] )?Source', page)
    search = viewer_client.get(reverse("search"), {"q": "Source"}).content.decode()
    assert re.search(rf'href="/evidence/{UUID.pattern}/"', search)
    for text in (listing, detail, page, search):
        _no_evidence_id_in(text, logged)


def test_the_list_pages_on_by_public_identifier(logged, viewer_client):
    Evidence.objects.bulk_create(
        Evidence(
            title=f"Extra {n}",
            source_type="un",
            direction="progress",
            sensitivity="public",
            logged_by=logged[0].logged_by,
        )
        for n in range(30)
    )
    first = viewer_client.get(reverse("evidence_list"), {"per_page": 25})
    link = first.context["page_obj"].next_url
    assert re.fullmatch(rf"\?per_page=25&after={UUID.pattern}", link)
    second = viewer_client.get(reverse("evidence_list") + link)
    assert second.status_code == 200
    shown = list(first.context["page_obj"]) + list(second.context["page_obj"])
    assert len(shown) == len(set(shown)) == 36


def test_summaries_name_their_evidence_by_public_identifier(logged, reviewer_client):
    url = reverse("summary_country", args=[2021, "freedonia"])
    data = reviewer_client.get(url, {"format": "json", "audience": "restricted"}).json()
    (country,) = data["countries"]
    shown = [e["id"] for row in country["recommendations"] for e in row["evidence"]]
    assert len(shown) == 9 and all(UUID.fullmatch(value) for value in shown)
    assert set(shown) == {str(item.public_id) for item in logged}
    import io

    from openpyxl import load_workbook

    workbook = reviewer_client.get(url, {"format": "xlsx", "audience": "restricted"}).content
    sheet = load_workbook(io.BytesIO(workbook))["Evidence"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Evidence id")
    assert {row[column] for row in sheet.iter_rows(min_row=2, values_only=True)} == set(shown)


@pytest.mark.parametrize("suffix", ["", "file/", "edit/", "withdraw/"])
def test_an_old_address_by_id_is_not_found_for_anyone_who_may_not_see_everything(
    logged, analyst, viewer, suffix
):
    restricted, public = logged[2], logged[0]
    never = Evidence.objects.order_by("-pk").first().pk + 1000
    for user in (viewer, analyst):  # the analyst logged the restricted ones
        client = Client()
        client.force_login(user)
        answers = {
            client.get(f"/evidence/{pk}/{suffix}").status_code
            for pk in (restricted.pk, public.pk, never)
        }
        assert answers == {404}, user


def test_an_old_address_by_id_opens_the_item_for_a_reviewer(logged, reviewer_client):
    item = logged[2]
    response = reviewer_client.get(f"/evidence/{item.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/evidence/{item.public_id}/"
    assert reviewer_client.get(f"/evidence/{item.pk + 1000}/").status_code == 404
    assert reviewer_client.get(f"/evidence/{item.pk}/file/").status_code == 404


def test_public_identifiers_are_random_and_unique(db):
    author = UserFactory(username="author", role=roles.ANALYST)
    items = EvidenceFactory.create_batch(20, logged_by=author)
    identifiers = [item.public_id for item in items]
    assert len(set(identifiers)) == 20
    assert all(value.version == 4 for value in identifiers)
    assert sorted(identifiers) != identifiers  # not in the order they were logged


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_gives_every_existing_item_its_own_identifier():
    before = [("tracker", "0026_evidence_reads_recorded")]
    call_command("migrate", "tracker", before[0][1], verbosity=0)
    try:
        executor = MigrationExecutor(connection)
        old = executor.loader.project_state(before).apps
        user = old.get_model("auth", "User").objects.create(username="old-author")
        Evidence = old.get_model("tracker", "Evidence")
        Evidence.objects.bulk_create(
            Evidence(
                title=f"Old {n}",
                source_type="un",
                direction="progress",
                sensitivity="public",
                logged_by_id=user.pk,
            )
            for n in range(25)
        )
    finally:
        # Forward again, as a deployment would: the index's triggers are set up afterwards.
        call_command("migrate", verbosity=0)
    from tracker.models import Evidence as Current

    identifiers = list(Current.objects.values_list("public_id", flat=True))
    assert len(identifiers) == 25 and len(set(identifiers)) == 25
    assert all(isinstance(value, uuid.UUID) and value.version == 4 for value in identifiers)
