"""Exports of the summary: every format carries the same numbers, and nothing restricted leaks."""

import codecs
import csv
import datetime
import io
import json
import re

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from reports import exporters
from reports import services as report_services
from reports.summary import build_summary
from reports.summary_shape import STATUS_LABELS, STATUSES
from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
)
from tests.sheets import shown
from tiptracker.lib.spreadsheets import clean_cell
from tracker import services
from tracker.models import Evidence, Recommendation

pytestmark = pytest.mark.django_db

Status = Recommendation.Status
SECRET = "Witness statement from Camp 15"


@pytest.fixture
def data(reviewer):
    """Two countries, mixed statuses, evidence of several kinds, one restricted item."""
    a = ReportFactory(year=2021, country__name="Aland", country__slug="aland")
    b = ReportFactory(year=2021, country__name="Borduria", country__slug="borduria")
    recs = [RecommendationFactory(report=a, number=i + 1) for i in range(4)]
    recs += [RecommendationFactory(report=b, number=i + 1) for i in range(3)]
    statuses = [Status.IN_PROGRESS, Status.IMPLEMENTED, Status.IN_PROGRESS, Status.REGRESSED]
    for rec, status in zip(recs[:4], statuses, strict=True):
        StatusChangeFactory(
            recommendation=rec, new_status=status, effective_date=datetime.date(2021, 11, 1)
        )
    EvidenceFactory(recommendations=recs[:2], source_type=Evidence.SourceType.NGO)
    EvidenceFactory(recommendations=[recs[5]], direction=Evidence.Direction.PROGRESS)
    EvidenceFactory(
        recommendations=[recs[0]],
        title=SECRET,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        source_type=Evidence.SourceType.TESTIMONY,
        logged_by=reviewer,
    )
    AssessmentFactory(recommendation=recs[1], rating="implemented", approved=True)
    return recs


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))


def _pdf_status_counts(text: str) -> dict[str, int]:
    """Read the 'Recommendations by status' totals table back from the PDF text."""
    section = text.split("Recommendations by status", 1)[1]
    counts = {}
    for code in STATUSES:
        label = re.escape(STATUS_LABELS[code]).replace(r"\ ", r"\s+")
        match = re.search(label + r"\s+(\d+)\s+(\d+)", section)
        counts[code] = int(match.group(2))
    return counts


@pytest.mark.parametrize("scope", ["all", "aland"])
def test_every_format_carries_the_same_counts(data, scope):
    country = data[0].report.country if scope == "aland" else None
    summary = build_summary(year=2021, country=country)

    from_json = json.loads(exporters.to_json(summary))["totals"]
    rows = _csv_rows(exporters.to_csv(summary))
    wb = _xlsx(exporters.to_xlsx(summary))
    pdf = _pdf_text(exporters.to_pdf(summary))

    by_status_json = from_json["by_status"]
    by_status_csv = {code: sum(r["Status code"] == code for r in rows) for code in STATUSES}
    xlsx_totals = {
        (group, code): value
        for scope_name, group, code, _label, value in wb["Totals"].iter_rows(
            min_row=2, values_only=True
        )
        if scope_name == ("All countries" if scope == "all" else "Aland")
    }
    by_status_xlsx = {code: xlsx_totals[("status", code)] for code in STATUSES}
    code_column = exporters.RECOMMENDATION_HEADERS.index("Status code")
    by_status_xlsx_rows = {
        code: sum(
            r[code_column] == code
            for r in wb["Recommendations"].iter_rows(min_row=2, values_only=True)
        )
        for code in STATUSES
    }
    by_status_pdf = _pdf_status_counts(pdf)

    assert by_status_json == by_status_csv == by_status_xlsx == by_status_xlsx_rows
    assert by_status_json == by_status_pdf
    assert sum(by_status_json.values()) == (7 if scope == "all" else 4)
    assert by_status_json["in_progress"] == 2

    evidence_json = from_json["evidence_items"]
    assert xlsx_totals[("evidence", "items")] == evidence_json
    assert len({r[2] for r in wb["Evidence"].iter_rows(min_row=2, values_only=True)}) == (
        evidence_json
    )
    assert f"Evidence in the period ({summary.totals.evidence_words})" in " ".join(pdf.split())
    links = sum(int(r["Evidence links"]) for r in rows)
    assert links == sum(len(r.evidence) for _, r in summary.recommendations)
    assert links == from_json["evidence_links"] == xlsx_totals[("evidence", "links")]
    assert xlsx_totals[("rating", "implemented")] == from_json["by_rating"]["implemented"] == 1


def test_restricted_evidence_is_in_no_format_of_the_public_view(data, viewer):
    for user in (None, viewer):
        summary = build_summary(year=2021, user=user)
        assert SECRET not in exporters.to_json(summary)
        assert SECRET not in exporters.to_csv(summary)
        wb = _xlsx(exporters.to_xlsx(summary))
        cells = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row]
        assert SECRET not in cells
        country = build_summary(year=2021, country=data[0].report.country, user=user)
        assert SECRET not in _pdf_text(exporters.to_pdf(country))
        assert SECRET not in exporters.render_html(country)


def test_a_reviewer_sees_restricted_evidence_in_every_format(data, reviewer):
    summary = build_summary(
        year=2021, country=data[0].report.country, user=reviewer, audience="restricted"
    )
    assert SECRET in exporters.to_json(summary)
    wb = _xlsx(exporters.to_xlsx(summary))
    assert SECRET in [row[4] for row in wb["Evidence"].iter_rows(min_row=2, values_only=True)]
    pdf = _pdf_text(exporters.to_pdf(summary))
    assert "Camp 15" in pdf
    assert "Restricted view: all evidence, restricted included" in " ".join(pdf.split())


def test_xlsx_cells_are_typed_with_frozen_headers_and_fitted_widths(data):
    long_text = "Increase transparency by allowing international human rights monitors " * 2
    Recommendation.objects.filter(pk=data[0].pk).update(text=long_text)
    wb = _xlsx(exporters.to_xlsx(build_summary(year=2021)))
    assert wb.sheetnames == ["Recommendations", "Totals", "Evidence", "Status changes", "About"]
    recs = wb["Recommendations"]
    assert recs.freeze_panes == "A2"
    header = [c.value for c in recs[1]]
    assert header == exporters.RECOMMENDATION_HEADERS
    first = [c.value for c in recs[2]]
    assert isinstance(first[header.index("Year")], int)
    assert isinstance(first[header.index("Number")], int)
    assert isinstance(first[header.index("Evidence links")], int)
    assert isinstance(first[header.index("As of")], datetime.datetime | datetime.date)
    width = recs.column_dimensions["G"].width  # Reference
    assert len("AAA-2021-01") <= width < 30
    text_column = recs.cell(row=1, column=len(header)).column_letter  # the recommendation text
    # Excel's stored width: 60 characters and the cell's padding.
    assert 60 <= recs.column_dimensions[text_column].width < 61
    assert recs.cell(row=2, column=len(header)).alignment.wrap_text
    evidence = wb["Evidence"]
    assert evidence.freeze_panes == "A2"
    date = evidence.cell(row=2, column=4)
    assert isinstance(date.value, datetime.datetime | datetime.date)
    assert date.number_format == "yyyy-mm-dd"
    assert wb["Totals"].freeze_panes == "A2"


def test_text_that_would_run_as_a_formula_is_neutralised(reviewer):
    report = ReportFactory(year=2021, country__name="Aland", country__slug="aland")
    rec = RecommendationFactory(report=report, text='=HYPERLINK("http://x","click")')
    EvidenceFactory(recommendations=[rec], title="+cmd|' /C calc'!A0", source_name="@SUM(1)")
    EvidenceFactory(recommendations=[rec], title="-2+3")
    summary = build_summary(year=2021)

    rows = _csv_rows(exporters.to_csv(summary))
    assert rows[0]["Recommendation"] == '\'=HYPERLINK("http://x","click")'

    wb = _xlsx(exporters.to_xlsx(summary))
    values = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row]
    text = [v for v in values if isinstance(v, str)]
    assert not any(v.startswith(("=", "+", "-", "@")) for v in text)
    assert "'+cmd|' /C calc'!A0" in text
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)


def test_csv_is_utf8_with_a_byte_order_mark_and_a_header_row(data):
    Recommendation.objects.filter(pk=data[0].pk).update(text="Protéger les victimes — “now”")
    summary = build_summary(year=2021)
    text = exporters.to_csv(summary)
    assert exporters.export(summary, "csv").startswith(codecs.BOM_UTF8 + b"Period,As of,")
    assert text.splitlines()[0].split(",")[:5] == [
        "\ufeffPeriod",
        "As of",
        "Audience",
        "Country",
        "Year",
    ]
    first = _csv_rows(text)[0]
    assert first["Period"] == (
        "Follow-up period 1 April 2021 – 31 March 2022; statuses on 31 March 2022, "
        "the end of the period"
    )
    assert (first["As of"], first["Audience"]) == ("2022-03-31", "public")
    assert "Protéger les victimes — “now”" in text
    assert len(_csv_rows(text)) == 7


def test_the_pdf_has_a_cover_page_numbers_and_charts(data):
    summary = build_summary(year=2021, country=data[0].report.country)
    content = exporters.to_pdf(summary)
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    cover = reader.pages[0].extract_text()
    assert "Aland" in cover and "Report year 2021" in cover
    assert "1 April 2021 – 31 March 2022" in cover
    assert "Public view: public evidence only" in cover
    assert "Generated" in cover
    assert len(reader.pages) >= 2
    assert "Page 2" in reader.pages[1].extract_text()
    text = _pdf_text(content)
    assert "status at the end of each year's follow-up period" in text
    assert "tier by report year" in text


def test_the_json_of_a_published_summary_regenerates_to_the_same_bytes(data, reviewer):
    country = data[0].report.country
    published = report_services.summary_publish(year=2021, country=country, by=reviewer)

    again = exporters.to_json(build_summary(year=2021, country=country))
    assert again == published.content

    services.recommendation_set_status(
        recommendation=data[2],
        status=Status.IMPLEMENTED,
        reason="Law adopted.",
        by=reviewer,
        effective_date=datetime.date(2022, 3, 1),
    )
    changed = exporters.to_json(build_summary(year=2021, country=country))
    assert changed != published.content
    published.refresh_from_db()
    assert published.content == again
    assert json.loads(published.content)["totals"]["by_status"]["implemented"] == 1
    assert json.loads(changed)["totals"]["by_status"]["implemented"] == 2


def _in_memory_csv(summary) -> bytes:
    """Return the CSV written the plain way, into one string, to compare the stream with."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(exporters.RECOMMENDATION_HEADERS)
    for row in exporters.recommendation_rows(summary):
        writer.writerow(["" if v is None else clean_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("scope", ["all", "aland"])
def test_the_summary_csv_streams_the_bytes_of_the_in_memory_csv(data, viewer, viewer_client, scope):
    Recommendation.objects.filter(pk=data[0].pk).update(text='=1+1, "quoted"\nand a new line')
    url = f"/summaries/2021/{scope}/" if scope != "all" else "/summaries/2021/"
    response = viewer_client.get(url, {"format": "csv"})
    assert response.status_code == 200 and response.streaming
    streamed = b"".join(response.streaming_content)
    country = data[0].report.country if scope != "all" else None
    # The viewer's internal view: the narratives it holds are those the viewer may read.
    summary = build_summary(year=2021, country=country, audience="internal", user=viewer)
    assert streamed == _in_memory_csv(summary) == exporters.export(summary, "csv")
    assert streamed.count(b"\r\n") > len(data if scope == "all" else data[:4])


def _in_memory_workbook(summary):
    """Return the workbook built the plain way (every cell in memory), to compare cells with."""
    wb = Workbook()
    wb.remove(wb.active)
    sheets = [
        ("Recommendations", exporters.RECOMMENDATION_HEADERS, exporters.recommendation_rows),
        ("Totals", ["Scope", "Group", "Code", "Count", "Value"], exporters._totals_rows),
        ("Evidence", exporters.EVIDENCE_HEADERS, exporters._evidence_rows),
        ("Status changes", exporters.CHANGE_HEADERS, exporters.change_rows),
        ("About", ["About", "Value"], exporters.preamble),
    ]
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(headers)
        for row in rows(summary):
            ws.append([clean_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return load_workbook(out)


@pytest.mark.parametrize("scope", ["all", "aland"])
def test_the_write_only_xlsx_holds_the_cells_of_the_in_memory_workbook(data, scope):
    country = data[0].report.country if scope != "all" else None
    summary = build_summary(year=2021, country=country)
    streamed = _xlsx(exporters.to_xlsx(summary))
    expected = _in_memory_workbook(summary)
    assert streamed.sheetnames == expected.sheetnames
    for name in expected.sheetnames:
        got = [[c.value for c in row] for row in streamed[name].iter_rows()]
        want = [[c.value for c in row] for row in expected[name].iter_rows()]
        assert got == want, name
        assert len(got) > 1
    assert streamed["Recommendations"].auto_filter.ref == streamed["Recommendations"].dimensions


@pytest.mark.parametrize("scope", ["all", "aland"])
def test_the_workbook_styles_its_headers_long_prose_and_dates(data, scope):
    Recommendation.objects.filter(pk=data[0].pk).update(text="Wrap me " * 20 + "\r=1 & <2>")
    country = data[0].report.country if scope != "all" else None
    summary = build_summary(year=2021, country=country)
    wb = _xlsx(exporters.to_xlsx(summary))
    assert wb.properties.title == f"Progress summary 2021: {summary.scope_name}"
    for ws in wb:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == ws.dimensions
        for cell in ws[1]:
            assert cell.font.b and cell.fill.fgColor.rgb == "FFE8EDF3"
            assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
        for column, (cell,) in zip(ws[1], ws.iter_cols(min_row=2, max_row=2), strict=True):
            width = ws.column_dimensions[cell.column_letter].width
            assert 8 <= width < 61, (ws.title, column.value)
            if width >= 60:  # long prose wraps, top-aligned
                assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
            else:
                assert not cell.alignment.wrap_text
    recs = wb["Recommendations"]
    text = recs.cell(row=1, column=len(exporters.RECOMMENDATION_HEADERS)).column_letter
    assert recs[f"{text}2"].alignment.wrap_text
    as_of = recs.cell(row=2, column=exporters.RECOMMENDATION_HEADERS.index("As of") + 1)
    assert as_of.is_date and as_of.number_format == "yyyy-mm-dd"
    evidence_date = wb["Evidence"].cell(row=2, column=exporters.EVIDENCE_HEADERS.index("Date") + 1)
    assert evidence_date.is_date and evidence_date.number_format == "yyyy-mm-dd"
    texts = [shown(v) for row in recs.iter_rows(min_row=2, values_only=True) for v in row]
    assert "Wrap me " * 20 + "\r=1 & <2>" in texts


def test_the_pdf_is_tagged_with_its_language_and_title_and_reads_in_order(data):
    summary = build_summary(year=2021, country=data[0].report.country)
    content = exporters.to_pdf(summary)
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert reader.metadata.title.startswith("Aland: progress summary 2021")
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])

    def kinds(node, found):
        node = node.get_object()
        found.append(str(node.get("/S", "")))
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if hasattr(kid, "get"):
                kinds(kid, found)
        return found

    structure = kinds(root["/StructTreeRoot"], [])
    assert {"/Document", "/H1", "/H2", "/Table", "/TH", "/TD", "/P"} <= set(structure)
    text = _pdf_text(content)
    # The headings come out in the order of the page, each before what it introduces.
    order = [
        "Report year 2021",
        "Aland: progress summary 2021",
        "Charts",
        "Totals",
        "Prioritized recommendations of 2021",
        data[0].reference,
        "Assessments and evidence",
        "What changed during the year",
        "Gaps",
    ]
    positions = [text.index(words) for words in order]
    assert positions == sorted(positions)
