"""Rows of a page (list rows, timeline entries): addresses and labels worked out once per page.

The recommendation and evidence lists and the recommendation's timeline no longer call
`reverse` and `get_FOO_display` per row (tracker/views/rows.py): one address is reversed per
page and cut around its key, and each choice's labels are translated once per request. These
tests hold them to what the per-row calls gave: under a script prefix, in another language, for
every key.
"""

import re
import uuid

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import translation

from tests.factories import EvidenceFactory, RecommendationFactory, StatusChangeFactory
from tracker import services
from tracker.models import Evidence, Recommendation, Report
from tracker.views.rows import address_of, choice_label, labels_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def script_prefix():
    """Serve the app under /tip/ for one test, as a deployment behind a path would.

    The test client leaves the prefix as it finds it (a server sets it from SCRIPT_NAME), so
    the test sets it around its requests.
    """
    set_script_prefix("/tip/")
    yield "/tip/"
    set_script_prefix("/")


@pytest.mark.parametrize("pk", [1, 7, 42, 999_999_999_999_999_999, 918273645546372819])
def test_an_address_cut_from_one_reverse_is_the_address_reverse_gives(pk, script_prefix):
    assert address_of("recommendation_detail")(pk) == reverse("recommendation_detail", args=[pk])
    assert reverse("recommendation_detail", args=[pk]).startswith("/tip/")


def test_an_evidence_address_is_the_one_reverse_gives_for_any_uuid(script_prefix):
    url = address_of("evidence_detail", key="uuid")
    for public_id in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)):
        assert url(public_id) == reverse("evidence_detail", args=[public_id])


def test_the_address_follows_the_script_prefix_of_the_request_it_is_made_in():
    before = address_of("recommendation_detail")
    set_script_prefix("/elsewhere/")
    try:
        after = address_of("recommendation_detail")
    finally:
        set_script_prefix("/")
    assert before(5) == "/recommendations/5/"
    assert after(5) == "/elsewhere/recommendations/5/"


def test_labels_are_those_of_the_language_active_when_they_are_read():
    with translation.override("fr"):
        french = labels_of(Report, "tier")
    with translation.override("en"):
        english = labels_of(Report, "tier")
    assert english["tier_2"] == "Tier 2"
    assert french["tier_2"] == "Catégorie 2"
    assert choice_label(english, "unknown") == "unknown"


def test_every_choice_label_matches_get_display():
    rec = RecommendationFactory()
    with translation.override("fr"):
        for field in ("status", "pillar"):
            labels = labels_of(Recommendation, field)
            for value, _ in Recommendation._meta.get_field(field).choices:
                setattr(rec, field, value)
                display = getattr(rec, f"get_{field}_display")()
                assert choice_label(labels, value) == display


def test_the_recommendation_list_links_each_row_under_the_script_prefix(
    analyst_client, script_prefix
):
    recs = RecommendationFactory.create_batch(3)
    page = analyst_client.get("/recommendations/").content.decode()
    links = re.findall(r'<td class="ref"><a href="([^"]+)">', page)
    assert sorted(links) == sorted(f"/tip/recommendations/{rec.pk}/" for rec in recs)


def test_the_recommendation_list_shows_labels_in_the_reader_s_language(analyst, analyst_client):
    RecommendationFactory(pillar=Recommendation.Pillar.PROSECUTION, report__tier="tier_2")
    english = analyst_client.get("/recommendations/").content.decode()
    analyst_client.post(reverse("language_set"), {"language": "fr", "next": "/"})
    french = analyst_client.get("/recommendations/").content.decode()
    row = re.compile(r"<tbody>.*</tbody>", re.S)
    assert "Prosecution" in row.search(english)[0] and "Tier 2" in row.search(english)[0]
    assert "Poursuites" in row.search(french)[0] and "Catégorie 2" in row.search(french)[0]
    assert 'data-label="Pays"' in row.search(french)[0]


def test_the_evidence_list_links_items_and_recommendations_under_the_script_prefix(
    reviewer_client, script_prefix
):
    rec = RecommendationFactory()
    item = EvidenceFactory(sensitivity=Evidence.Sensitivity.RESTRICTED)
    item.recommendations.add(rec)
    page = reviewer_client.get("/evidence/").content.decode()
    assert f'href="/tip/evidence/{item.public_id}/"' in page
    assert f'href="/tip/recommendations/{rec.pk}/"' in page
    assert f">{item.get_sensitivity_display()}</span>" in page


def test_the_timeline_links_evidence_and_void_forms_under_the_script_prefix(
    analyst_client, script_prefix
):
    rec = RecommendationFactory()
    logged = EvidenceFactory(title="Logged against it")
    logged.recommendations.add(rec)
    cited = EvidenceFactory(title="Cited by a change")
    cited.recommendations.add(rec)
    change = StatusChangeFactory(
        recommendation=rec, new_status=Recommendation.Status.IN_PROGRESS, evidence=[cited]
    )
    page = analyst_client.get(f"/recommendations/{rec.pk}/").content.decode()
    for item in (logged, cited):
        address = reverse("evidence_detail", args=[item.public_id])
        assert address.startswith("/tip/")
        assert f'<a href="{address}">{item.title}</a>' in page
    # The cited item is linked twice: as logged evidence and where the change cites it.
    cited_link = reverse("evidence_detail", args=[cited.public_id])
    assert page.count(f'<a href="{cited_link}">{cited.title}</a>') == 2
    void = reverse("recommendation_void_change", args=[rec.pk, change.pk])
    assert f'<form method="post" action="{void}" class="form">' in page


def test_the_timeline_shows_statuses_in_the_reader_s_language_and_a_void_once_made(
    analyst, analyst_client
):
    rec = RecommendationFactory()
    change = StatusChangeFactory(recommendation=rec, new_status=Recommendation.Status.IN_PROGRESS)
    page = analyst_client.get(f"/recommendations/{rec.pk}/").content.decode()
    assert '<span class="badge status-in_progress">In progress</span>' in page
    assert "<strong>Voided</strong>" not in page and "Void this entry" in page
    services.status_change_void(change=change, reason="On the wrong item.", by=analyst)
    analyst_client.post(reverse("language_set"), {"language": "fr", "next": "/"})
    page = analyst_client.get(f"/recommendations/{rec.pk}/").content.decode()
    with translation.override("fr"):
        label = str(Recommendation.Status.IN_PROGRESS.label)
    assert label != "In progress"
    assert f'<span class="badge status-in_progress">{label}</span>' in page
    assert "On the wrong item." in page and 'class="reason voided-text"' in page
    assert "void-change" not in page
