"""Every view and download of a restricted item is recorded and shown to reviewers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import RecommendationFactory
from tracker import services
from tracker.models import Evidence, EvidenceAccess

pytestmark = pytest.mark.django_db


def _log(by, sensitivity, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return services.evidence_log(
        by=by,
        title="Survivor testimony",
        source_type=Evidence.SourceType.TESTIMONY,
        direction=Evidence.Direction.NO_CHANGE,
        recommendations=[RecommendationFactory()],
        sensitivity=sensitivity,
        file=SimpleUploadedFile("testimony.txt", b"An account."),
    )


def test_views_and_downloads_of_a_restricted_item_are_recorded_and_shown_to_reviewers(
    analyst, analyst_client, reviewer, reviewer_client, settings, tmp_path
):
    item = _log(analyst, Evidence.Sensitivity.RESTRICTED, settings, tmp_path)
    page = analyst_client.get(reverse("evidence_detail", args=[item.public_id]))
    assert page.status_code == 200
    assert "Who saw it" not in page.text  # shown to reviewers only
    assert analyst_client.get(reverse("evidence_file", args=[item.public_id])).status_code == 200

    page = reviewer_client.get(reverse("evidence_detail", args=[item.public_id])).text
    assert "Who saw it" in page
    rows = list(EvidenceAccess.objects.order_by("at", "id").values_list("user", "action"))
    assert rows == [(analyst.pk, "view"), (analyst.pk, "download"), (reviewer.pk, "view")]
    assert page.count("<td>analyst</td>") == 2 and page.count("<td>reviewer</td>") == 1
    assert "Downloaded the file" in page


def test_a_refused_look_at_a_restricted_item_records_nothing(
    analyst, other_analyst, settings, tmp_path
):
    from django.test import Client

    item = _log(analyst, Evidence.Sensitivity.RESTRICTED, settings, tmp_path)
    client = Client()
    client.force_login(other_analyst)
    assert client.get(reverse("evidence_detail", args=[item.public_id])).status_code == 404
    assert client.get(reverse("evidence_file", args=[item.public_id])).status_code == 404
    assert not EvidenceAccess.objects.exists()


def test_public_and_internal_items_are_not_logged(analyst, analyst_client, settings, tmp_path):
    for sensitivity in (Evidence.Sensitivity.PUBLIC, Evidence.Sensitivity.INTERNAL):
        item = _log(analyst, sensitivity, settings, tmp_path)
        analyst_client.get(reverse("evidence_detail", args=[item.public_id]))
        analyst_client.get(reverse("evidence_file", args=[item.public_id]))
    assert not EvidenceAccess.objects.exists()


def test_a_reviewer_sees_the_access_list_in_a_fixed_number_of_queries(
    analyst, reviewer_client, settings, tmp_path, django_assert_num_queries
):
    from django.test import Client

    item = _log(analyst, Evidence.Sensitivity.RESTRICTED, settings, tmp_path)
    for _ in range(3):
        client = Client()
        client.force_login(analyst)
        client.get(reverse("evidence_detail", args=[item.public_id]))
    url = reverse("evidence_detail", args=[item.public_id])
    reviewer_client.get(url)
    with django_assert_num_queries(ACCESS_PAGE_QUERIES):
        reviewer_client.get(url)
    for _ in range(5):
        reviewer_client.get(url)
    with django_assert_num_queries(ACCESS_PAGE_QUERIES):
        response = reviewer_client.get(url)
    assert response.text.count("<td>reviewer</td>") == 8


# The evidence page's own queries, the access recorded, and the newest accesses with their users.
ACCESS_PAGE_QUERIES = 10
