"""The summary PDFs typeset by Typst (reports/pdf.py): what they print, and what they refuse.

The text is read back from the PDF with pypdfium2, as a screen reader or a search tool would.
"""

import datetime
import io
import json
import re
import threading

import pypdfium2
import pytest
import typst
from django.db import connection
from pypdf import PdfReader

from reports import exporters, pdf
from reports import services as report_services
from reports.exportjobs import published_rendering
from reports.models import PublishedRendering, PublishedSummary
from reports.published import summary_from_dict
from reports.summary import build_summary
from reports.summary_shape import STATUS_LABELS, STATUSES
from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
)
from tracker import services
from tracker.models import Recommendation

pytestmark = pytest.mark.django_db

Status = Recommendation.Status

# Everything Typst's markup or code would act on, and a read of a file outside the templates.
HOSTILE = [
    '#read("/etc/passwd")',
    "#let x = 1 *bold* _em_ $x^2$ @ref <label> \\ [link] `raw` ~ // comment",
    '"quoted" #sys.inputs #import "common.typ" = heading - item + item / term: x',
    '#{ panic() } #eval("1") ]] [[ #] } { $ $$ @@ << >> \\\\',
]


def pages_text(content: bytes) -> list[str]:
    """Return the text of each page, as pypdfium2 extracts it."""
    document = pypdfium2.PdfDocument(content)
    try:
        return [page.get_textpage().get_text_bounded() for page in document]
    finally:
        document.close()


def flat(content: bytes) -> str:
    """Return the document's text with every run of whitespace as one space."""
    return " ".join(" ".join(pages_text(content)).split())


@pytest.fixture
def country_data(reviewer):
    """One country with every kind of content: statuses, changes, evidence, an assessment."""
    previous = ReportFactory(year=2020, country__name="Aland", country__slug="aland")
    dropped = RecommendationFactory(report=previous, number=1, text="A recommendation of 2020.")
    report = ReportFactory(year=2021, country=previous.country)
    recs = [RecommendationFactory(report=report, number=i + 1) for i in range(4)]
    statuses = [Status.IN_PROGRESS, Status.IMPLEMENTED, Status.REGRESSED]
    for rec, status in zip(recs[:3], statuses, strict=True):
        StatusChangeFactory(
            recommendation=rec,
            new_status=status,
            effective_date=datetime.date(2021, 10, 1),
            reason=f"Reason for {rec.reference}: the ministry said so.",
        )
    EvidenceFactory(recommendations=recs[:2], title="Shelter statistics of the ministry")
    AssessmentFactory(
        recommendation=recs[1], rating="implemented", state="approved", narrative="Done in 2021."
    )
    return {"recs": recs, "dropped": dropped, "country": report.country}


def restricted_summary(country, reviewer):
    return build_summary(year=2021, country=country, user=reviewer, audience="restricted")


# --- Nothing a user typed acts as Typst ---------------------------------------------------------


def test_hostile_text_is_printed_literally_and_reads_no_file(reviewer):
    report = ReportFactory(year=2021, country__name=HOSTILE[1], country__slug="hostile")
    rec = RecommendationFactory(report=report, number=1, text=HOSTILE[0])
    StatusChangeFactory(
        recommendation=rec,
        new_status=Status.IN_PROGRESS,
        effective_date=datetime.date(2021, 10, 1),
        reason=HOSTILE[2],
    )
    EvidenceFactory(recommendations=[rec], title=HOSTILE[3], source_name=HOSTILE[0])
    AssessmentFactory(recommendation=rec, state="approved", narrative=" ".join(HOSTILE))

    # The country's PDF prints every text; the all-countries one its names and recommendations.
    for country, shown in ((report.country, HOSTILE), (None, HOSTILE[:2])):
        content = exporters.to_pdf(restricted_summary(country, reviewer))
        text = flat(content)
        for hostile in shown:
            assert " ".join(hostile.split()) in text, hostile
        # No line of the file the text names reached the PDF.
        with open("/etc/passwd", encoding="utf-8") as passwd:
            for line in passwd.read().splitlines():
                assert line.split(":")[0] + ":x:" not in text


def test_the_templates_can_read_no_file_outside_their_folder():
    """Even a template's own code is confined to reports/typst (the compiler's root)."""
    outside = r"searched at .*/reports/typst/etc/passwd"
    with pdf._compiler() as compiler, pytest.raises(typst.TypstError, match=outside):
        compiler.compile(input=b'#read("/etc/passwd")', format="pdf")


# --- The PDF says what the summary says ---------------------------------------------------------


def test_the_country_pdf_holds_every_reference_status_count_and_reason(country_data, reviewer):
    summary = restricted_summary(country_data["country"], reviewer)
    content = exporters.to_pdf(summary)
    text = flat(content)
    country = summary.countries[0]

    assert "Aland: progress summary 2021" in text
    assert summary.period_statement in text
    assert f"{summary.audience_description}." in text
    assert "Tier 2021 " + country.tier_label in text
    # The table of recommendations: each row's reference, pillar, status on the as-of day and
    # at the start, in the order of the summary.
    table = text.split("Prioritized recommendations of 2021", 1)[1].split(
        "Assessments and evidence"
    )[0]
    positions = []
    for row in country.recommendations:
        pattern = (
            re.escape(row.reference)
            + " "
            + re.escape(row.pillar_label)
            + " "
            + re.escape(row.status_label)
            + "( changed)? at the start: "
            + re.escape(row.status_at_start_label)
            + " "
            + re.escape(row.text)
        )
        found = re.search(pattern, table)
        assert found, row.reference
        positions.append(found.start())
    assert positions == sorted(positions)
    # The counts by status, at the start and on the as-of day, read back from their table.
    totals = text.split("Recommendations by status", 1)[1]
    for code in STATUSES:
        label = re.escape(STATUS_LABELS[code])
        found = re.search(label + r" (\d+) (\d+)", totals)
        assert (int(found.group(1)), int(found.group(2))) == (
            country.totals.by_status_at_start[code],
            country.totals.by_status[code],
        )
    for group, counts in (("By pillar", country.totals.pillar_rows),):
        section = text.split(group, 1)[1]
        for _code, label, n in counts:
            assert f"{label} {n}" in section
    # Every change with its reason, every evidence item, the assessment, gaps and dropped items.
    changes = text.split("What changed during the year", 1)[1].split("Gaps")[0]
    for change in country.changes:
        assert (
            f"{change.reference} (entered {change.recorded_on.day}" in changes
            and f"{change.old_status_label} → {change.new_status_label} {change.reason}" in changes
        )
    assert text.count("Shelter statistics of the ministry") == 2
    assert "Implemented (moderate confidence). Done in 2021." in text
    gaps = text.split("Gaps", 1)[1]
    assert f"No evidence in the period ({len(country.without_evidence)})" in gaps
    assert f"No approved assessment ({len(country.without_assessment)})" in gaps
    assert "Dropped since 2020" in text
    assert country_data["dropped"].reference in text.split("Dropped since 2020", 1)[1]
    assert "A recommendation of 2020." in text


def test_the_all_countries_pdf_has_a_table_per_country(country_data, reviewer):
    other = ReportFactory(year=2021, country__name="Borduria", country__slug="borduria")
    RecommendationFactory(report=other, number=1, text="Borduria's only recommendation.")
    summary = build_summary(year=2021, user=reviewer, audience="restricted")
    text = flat(exporters.to_pdf(summary))
    assert "Progress summary 2021: all countries" in text
    by_country = text.split("Recommendations by country", 1)[1]
    for country in summary.countries:
        section = by_country.split(country.name + " " + country.tier_label, 1)[1]
        for row in country.recommendations:
            assert f"{row.reference} {row.pillar_label} {row.status_label}" in section
            assert row.text in section
    assert by_country.index("Aland") < by_country.index("Borduria")


def test_withheld_reasons_and_narratives_say_so(country_data, reviewer):
    """The summary JSON marks a text withheld from an audience; the PDF says it is not public."""
    summary = restricted_summary(country_data["country"], reviewer)
    data = pdf.document_data(summary)
    row = next(r for r in data["summary"]["countries"][0]["recommendations"] if r["assessment"])
    row["changes"][0].update(reason="", reason_withheld=True)
    row["assessment"].update(narrative="", narrative_withheld=True)
    created = pdf.creation_time(summary)
    text = flat(pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, data, created=created))
    assert "The reason is not public." in text
    assert "The narrative is not public." in text
    # Without the flags (today's JSON) neither sentence appears.
    plain = flat(pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, pdf.document_data(summary), created=created))
    assert "not public." not in plain


# --- PDF/UA-1, asked of the compiler --------------------------------------------------------------


def test_the_pdf_is_pdf_ua_1_and_the_compiler_refuses_a_document_that_breaks_it(
    country_data, reviewer
):
    summary = restricted_summary(country_data["country"], reviewer)
    data = pdf.document_data(summary)
    created = pdf.creation_time(summary)
    content = pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, data, created=created, standards=["ua-1"])
    assert b"<pdfuaid:part>1</pdfuaid:part>" in content
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert reader.metadata.title == "Aland: progress summary 2021"

    # A chart without its text alternative breaks PDF/UA-1: the compiler refuses it, and makes
    # it when not asked for the standard, so the refusal is the standard's check.
    for charts in data["charts"].values():
        for chart in charts:
            chart["alt"] = ""
    with pytest.raises(typst.TypstError, match="alt"):
        pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, data, created=created, standards=["ua-1"])
    assert pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, data, created=created, standards=[])


def test_the_charts_carry_their_text_alternatives(country_data, reviewer):
    summary = restricted_summary(country_data["country"], reviewer)
    charts = pdf.document_data(summary)["charts"]["aland"]
    assert [c["alt"].split(". ")[0] for c in charts] == [c["title"] for c in charts]
    assert "In progress: 1; Implemented: 1; Regressed: 1" in charts[0]["alt"]
    assert all(c["svg"].startswith("<svg") for c in charts)


# --- The same snapshot, the same bytes ----------------------------------------------------------


def test_a_published_snapshot_regenerates_to_the_same_bytes(country_data, reviewer):
    record = report_services.summary_publish(
        year=2021, country=country_data["country"], by=reviewer, audience="restricted"
    )
    # Published a while ago: the PDF is dated then, not when it is rendered. (The model refuses
    # changes through the ORM; the test moves the time back in SQL.)
    published_at = datetime.datetime(2022, 4, 2, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PublishedSummary._meta.db_table} SET published_at = %s WHERE id = %s",
            [published_at, record.pk],
        )
    record = PublishedSummary.objects.get(pk=record.pk)
    assert record.published_at == published_at
    stored = published_rendering(record, "pdf")
    with stored.file.open("rb") as handle:
        first = handle.read()
    # The live data moves on; the snapshot does not.
    services.recommendation_set_status(
        recommendation=Recommendation.objects.get(pk=country_data["recs"][3].pk),
        status=Status.IN_PROGRESS,
        reason="A later fact.",
        effective_date=datetime.date(2022, 1, 5),
        by=reviewer,
    )
    PublishedRendering.objects.filter(pk=stored.pk).delete()
    again = published_rendering(record, "pdf")
    with again.file.open("rb") as handle:
        second = handle.read()
    third = exporters.to_pdf(summary_from_dict(json.loads(record.content)), record=record)
    assert first == second == third
    assert again.sha256 == stored.sha256

    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata["/CreationDate"].startswith("D:20220402093015")
    text = flat(first)
    assert f"SHA-256 {record.sha256}" in text
    assert f"by {reviewer.get_username()}" in text
    assert "A later fact." not in text


def test_a_live_pdf_is_created_on_its_as_of_day(country_data, reviewer):
    summary = build_summary(
        year=2021, country=country_data["country"], as_of=datetime.date(2021, 12, 31)
    )
    reader = PdfReader(io.BytesIO(exporters.to_pdf(summary)))
    assert reader.metadata["/CreationDate"].startswith("D:20211231000000")


# --- The marking of non-public PDFs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "marking"),
    [
        ("internal", "INTERNAL: NOT FOR PUBLICATION"),
        ("restricted", "RESTRICTED: DO NOT SHARE OUTSIDE THE TEAM"),
        ("public", None),
    ],
)
@pytest.mark.parametrize("scope", ["country", "all"])
def test_a_non_public_pdf_is_marked_on_every_page(country_data, reviewer, audience, marking, scope):
    country = country_data["country"] if scope == "country" else None
    summary = build_summary(year=2021, country=country, user=reviewer, audience=audience)
    pages = pages_text(exporters.to_pdf(summary))
    assert len(pages) >= 3
    markings = ("INTERNAL: NOT FOR PUBLICATION", "RESTRICTED: DO NOT SHARE OUTSIDE THE TEAM")
    for page in pages:
        for other in markings:
            assert (other in page) == (other == marking)


# --- Fonts and characters -------------------------------------------------------------------------


def test_korean_arabic_russian_and_chinese_print_in_noto(reviewer):
    words = ["북한 인권", "حقوق الإنسان", "Права человека", "人权报告"]
    report = ReportFactory(year=2021, country__name="Scripts", country__slug="scripts")
    rec = RecommendationFactory(report=report, number=1, text=" / ".join(words))
    content = exporters.to_pdf(restricted_summary(report.country, reviewer))
    text = flat(content)
    for phrase in words[:1] + words[2:]:
        assert phrase in text
    assert rec.reference in text
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansCJK" in name for name in fonts), fonts
    assert any("NotoSansArabic" in name for name in fonts), fonts
    assert pdf.missing_fonts() == []


def test_a_character_no_font_has_is_printed_as_a_replacement_mark(country_data, reviewer):
    StatusChangeFactory(
        recommendation=country_data["recs"][3],
        new_status=Status.CANNOT_ASSESS,
        effective_date=datetime.date(2021, 11, 1),
        reason="Flag 🇰🇵 and a private character \U0010fffd here.",
    )
    summary = restricted_summary(country_data["country"], reviewer)
    text = flat(exporters.to_pdf(summary))
    assert "Flag \ufffd\ufffd and a private character \ufffd here." in text
    # A control character (which PostgreSQL would not store, but SQLite does) prints nothing.
    data = pdf.document_data(summary)
    data["summary"]["countries"][0]["recommendations"][0]["text"] = "A NUL \x00 and a bell \x07."
    created = pdf.creation_time(summary)
    assert "A NUL and a bell ." in flat(
        pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, data, created=created)
    )


# --- One compiler per thread at a time, kept for the process ------------------------------------


def test_compilers_are_reused_and_threads_never_share_one_at_once(country_data, reviewer):
    summary = restricted_summary(country_data["country"], reviewer)
    data = pdf.document_data(summary)
    created = pdf.creation_time(summary)
    expected = pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, data, created=created)
    pool = len(pdf._idle)
    pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, data, created=created)
    assert len(pdf._idle) == pool  # the same compiler again

    results, errors = [], []

    def render():
        try:
            for _ in range(3):
                results.append(pdf.compile_pdf(pdf.COUNTRY_TEMPLATE, data, created=created))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=render) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [expected] * 12


def test_without_the_fonts_the_log_names_the_packages_and_pdfs_are_still_made(
    country_data, reviewer, settings, tmp_path, monkeypatch, caplog
):
    settings.PDF_FONT_DIRS = [str(tmp_path)]
    monkeypatch.setattr(pdf, "_fonts", None)
    monkeypatch.setattr(pdf, "_idle", [])
    RecommendationFactory(report=country_data["recs"][0].report, number=9, text="북한 人权 حقوق")
    with caplog.at_level("WARNING", logger="reports.pdf"):
        content = exporters.to_pdf(restricted_summary(country_data["country"], reviewer))
    assert "fonts-noto-core fonts-noto-cjk" in caplog.text
    assert "PDF fonts missing (Noto Sans, Noto Sans Arabic" in caplog.text
    assert pdf.missing_fonts() == list(pdf.FONT_FAMILIES)
    text = flat(content)
    assert "\ufffd\ufffd \ufffd\ufffd" in text
    assert "Aland: progress summary 2021" in text
