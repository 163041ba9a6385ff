"""Sentinels: each audience of a summary finds exactly its marked words, in every format.

The marked world (`tests.sentinels`) is written through the services: evidence, reasons and
narratives of each sensitivity, an internal reason that cites only public evidence, "public"
texts citing restricted or internal evidence (refused), a reason and a narrative a reviewer made
less public, review notes, correction and void reasons. Each summary (HTML page as each role,
JSON, CSV, XLSX read back, PDF text read back) and the published snapshot must hold exactly the
markers of its audience, and no other marker anywhere.
"""

import io
import json

import pypdfium2
import pytest
from django.test import Client
from openpyxl import load_workbook

from reports import exporters, exportjobs
from reports import services as report_services
from reports.published import summary_from_dict
from reports.summary import build_summary
from tests.sentinels import (
    EXPECTED,
    INTERNAL,
    NARRATIVES,
    PUBLIC,
    RESTRICTED,
    build_world,
    mark,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(seed_report):
    return build_world(seed_report)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _xlsx_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    cells = (
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    return "\n".join(cells)


def _pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_the_refused_texts_were_refused_with_the_reason_on_the_field(world):
    for name, field in (
        ("REASONREFUSED", "reason_sensitivity"),
        ("REASONREFUSEDINT", "reason_sensitivity"),
        ("NARRREFUSED", "narrative_sensitivity"),
    ):
        errors = world.refusals[name].message_dict[field]
        assert "cannot be public" in errors[0], name
        assert "never less sensitive than the evidence it cites" in errors[0]


def _readers(world):
    """Return (reader, audience) pairs: each role reading each audience open to it."""
    return [
        (world.viewer, PUBLIC),
        (world.viewer, INTERNAL),
        (world.author, INTERNAL),
        (world.other, INTERNAL),  # the author of the restricted texts, in the internal view
        (world.reviewer, PUBLIC),
        (world.reviewer, INTERNAL),
        (world.reviewer, RESTRICTED),
        (None, PUBLIC),
    ]


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_each_audience_holds_exactly_its_markers_in_each_download(world, fmt):
    for reader, audience in _readers(world):
        summary = build_summary(year=2021, country=world.country, audience=audience, user=reader)
        content = exporters.export(summary, fmt)
        text = _xlsx_text(content) if fmt == "xlsx" else content.decode("utf-8")
        # The CSV has one row per recommendation: of the texts, it holds the narratives.
        expected = EXPECTED[audience] & NARRATIVES if fmt == "csv" else EXPECTED[audience]
        assert world.found(text) == expected, (reader, audience, fmt)


def test_the_json_says_which_texts_are_withheld(world):
    summary = build_summary(year=2021, country=world.country, audience=PUBLIC)
    data = json.loads(exporters.to_json(summary))
    assert data["schema_version"] == 3
    rows = {r["reference"]: r for r in data["countries"][0]["recommendations"]}
    first, second, third = (rows[rec.reference] for rec in world.recs[:3])
    assert [(c["reason_withheld"], c["reason"]) for c in first["changes"]] == [
        (False, f"Because {mark('REASONPUB')}")
    ]
    assert [(c["reason_withheld"], c["reason"]) for c in second["changes"]] == [(True, "")]
    # The fact is stated: the statuses and the day, without the words.
    withheld = third["changes"][0]
    assert (withheld["new_status"], withheld["effective_date"]) == ("in_progress", "2021-11-01")
    assert (withheld["reason_withheld"], withheld["reason"]) == (True, "")
    assert first["assessment"]["narrative_withheld"] is False
    assert (second["assessment"]["narrative_withheld"], second["assessment"]["narrative"]) == (
        True,
        "",
    )
    assert second["assessment"]["rating"] == "limited"


def test_each_role_reads_exactly_its_markers_on_the_summary_page(world):
    url = f"/summaries/2021/{world.country.slug}/"
    for reader, audience in _readers(world):
        if reader is None:
            continue
        page = _client(reader).get(url, {"audience": audience})
        assert page.status_code == 200
        html = page.content.decode()
        assert world.found(html) == EXPECTED[audience], (reader, audience)
        if audience != RESTRICTED:
            words = "is not public" if audience == PUBLIC else "is not included in this view"
            assert f"The reason {words}." in html
            assert f"The narrative {words}." in html


@pytest.mark.slow
def test_each_audience_holds_exactly_its_markers_in_the_pdf(world):
    for reader, audience in (
        (None, PUBLIC),
        (world.viewer, INTERNAL),
        (world.reviewer, RESTRICTED),
    ):
        summary = build_summary(year=2021, country=world.country, audience=audience, user=reader)
        text = _pdf_text(exporters.to_pdf(summary))
        assert world.found(text) == EXPECTED[audience], audience


@pytest.mark.slow
def test_the_published_snapshot_holds_the_public_markers_in_every_form(world):
    record = report_services.summary_publish(year=2021, country=world.country, by=world.reviewer)
    assert world.found(record.content) == EXPECTED[PUBLIC]
    summary = summary_from_dict(json.loads(record.content))
    assert world.found(exporters.to_json(summary)) == EXPECTED[PUBLIC]
    for fmt in exportjobs.RENDERED_FORMATS:
        with exportjobs.published_rendering(record, fmt).file.open("rb") as stored:
            content = stored.read()
        text = {"pdf": _pdf_text, "xlsx": _xlsx_text}.get(fmt, bytes.decode)(content)
        expected = EXPECTED[PUBLIC] & NARRATIVES if fmt == "csv" else EXPECTED[PUBLIC]
        assert world.found(text) == expected, fmt
    page = _client(world.viewer).get(record.get_absolute_url())
    assert world.found(page.content.decode()) == EXPECTED[PUBLIC]
    api = _client(world.viewer).get(f"/api/v1/published-summaries/{record.pk}/")
    assert world.found(api.content.decode()) == EXPECTED[PUBLIC]


def test_the_api_summary_holds_the_markers_of_the_audience_asked_for(world):
    client = _client(world.viewer)
    for audience in (PUBLIC, INTERNAL):
        answer = client.get(f"/api/v1/summaries/2021/{world.country.slug}/", {"audience": audience})
        assert answer.status_code == 200
        assert world.found(answer.content.decode()) == EXPECTED[audience]


# What a viewer may read on the staff pages, the search and the API: everything internal (the
# evidence's own fields, correction reasons and review notes included), nothing restricted.
RESTRICTED_FOR_A_VIEWER = {
    *(f"EVRES{part}" for part in ("TITLE", "SOURCE", "SUMMARY", "QUOTE")),
    *(f"EVSENS{part}" for part in ("TITLE", "SOURCE", "SUMMARY", "QUOTE")),
    "REASONRES",
    "NARRRES",
    "NARRLOWERED",
}
NEVER_WRITTEN = {"REASONREFUSED", "REASONREFUSEDINT", "NARRREFUSED"}


def test_a_viewer_reads_no_restricted_marker_in_the_api(world):
    client = _client(world.viewer)
    changes = ""
    for rec in world.recs:
        answer = client.get(f"/api/v1/recommendations/{rec.pk}/status-changes/")
        assert answer.status_code == 200
        changes += answer.content.decode()
    assert world.found(changes) == {
        "REASONPUB",
        "REASONINTPUBEV",
        "REASONVOIDED",
        "VOIDREASON",
        "REASONLOWERED",
    }
    assessments = client.get("/api/v1/assessments/", {"year": 2021}).content.decode()
    assert world.found(assessments) == {"NARRPUB", "NARRINT", "REVIEWNOTE"}
    body = json.loads(assessments)["results"]
    withheld = {a["id"]: a for a in body if a["narrative_withheld"]}
    assert set(withheld) == {world.assessments[n].pk for n in ("NARRRES", "NARRLOWERED")}
    assert {a["narrative"] for a in withheld.values()} == {""}
    evidence = client.get("/api/v1/evidence/").content.decode()
    assert not world.found(evidence) & RESTRICTED_FOR_A_VIEWER


def test_a_viewer_finds_no_restricted_marker_by_searching(world):
    page = _client(world.viewer).get("/search/", {"q": "zz"})
    assert page.status_code == 200
    assert not world.found(page.content.decode()) & (RESTRICTED_FOR_A_VIEWER | NEVER_WRITTEN)
    counts = {group.label: group.count for group in page.context["groups"]}
    # Counted as the viewer sees them: 4 of 5 reasons, 2 of 4 narratives, 2 of 4 items.
    assert counts["Status changes"] == 4
    assert counts["Assessments"] == 2
    assert counts["Evidence"] == 2
    for name in ("REASONRES", "NARRRES", "NARRLOWERED", "EVRESTITLE"):
        found = _client(world.viewer).get("/search/", {"q": mark(name)})
        assert not found.context["groups"], name
    # A reviewer finds them.
    reviewer = _client(world.reviewer).get("/search/", {"q": mark("NARRRES")})
    assert mark("NARRRES") in reviewer.content.decode()


def test_a_viewer_reads_no_restricted_marker_on_the_staff_pages(world):
    client = _client(world.viewer)
    seen = ""
    for rec in world.recs:
        seen += client.get(f"/recommendations/{rec.pk}/", {"timeline": "all"}).content.decode()
        seen += client.get(f"/recommendations/{rec.pk}/assessments/2021/").content.decode()
    seen += client.get("/").content.decode()
    found = world.found(seen)
    assert not found & (RESTRICTED_FOR_A_VIEWER | NEVER_WRITTEN)
    assert {"REASONPUB", "REASONINTPUBEV", "NARRPUB", "NARRINT", "EVPUBTITLE"} <= found
    assert "The reason is restricted: only its author and reviewers may read it." in seen
    assert "The narrative is restricted: only its author and reviewers may read it." in seen
