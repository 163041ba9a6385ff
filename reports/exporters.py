"""Write a progress summary as JSON, CSV, XLSX or PDF: the same numbers in each.

Every exporter renders a `reports.summary.Summary`; none queries the database. The PDF is
typeset by Typst from the summary's published JSON shape (`reports.pdf`).
"""

from __future__ import annotations

import datetime
import io

from django.template.loader import render_to_string
from django.utils import timezone

from reports import charts, pdf
from reports.published import canonical_json
from reports.summary import (
    CONFIDENCE_LABELS,
    DIRECTION_LABELS,
    DIRECTIONS,
    LINK_KIND_LABELS,
    PILLAR_LABELS,
    RATING_LABELS,
    SOURCE_TYPE_LABELS,
    SOURCE_TYPES,
    STATUS_LABELS,
    TIER_LABELS,
    Summary,
)
from tiptracker.lib import spreadsheets
from tiptracker.lib.spreadsheets import clean_cell

FORMATS = ("json", "csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
# Columns with longer values than this (in characters) are this wide and wrap their text.
_MAX_WIDTH = 60


def filename(summary: Summary, fmt: str) -> str:
    """Return the download name, e.g. `progress-summary-2021-north-korea-2022-03-31-public.pdf`."""
    scope = summary.country_slug or "all-countries"
    return f"progress-summary-{summary.year}-{scope}-{summary.as_of}-{summary.audience}.{fmt}"


def preamble(summary: Summary) -> list[list[str]]:
    """Return what every export states before its figures: scope, period, as-of day, audience."""
    return [
        ["Progress summary", f"{summary.scope_name}, report {summary.year}"],
        ["Period", summary.period_statement],
        ["As of", summary.as_of.isoformat()],
        ["Audience", f"{summary.audience_label}: {summary.audience_description}"],
    ]


def to_json(summary: Summary) -> str:
    """Return the summary as canonical JSON (the bytes a published summary is frozen as)."""
    return canonical_json(summary)


RECOMMENDATION_HEADERS = [
    "Period",
    "As of",
    "Audience",
    "Country",
    "Year",
    "Tier",
    "Reference",
    "Number",
    "Pillar",
    "Status at the start of the period",
    "Status on the as-of day",
    "Status code",
    "Changed in the period",
    "Lineage",
    "Predecessor",
    "Rating",
    "Confidence",
    "Assessment revision",
    "Assessment narrative",
    "Assessment narrative withheld",
    "Evidence links",
    *(f"Evidence: {SOURCE_TYPE_LABELS[code]}" for code in SOURCE_TYPES),
    *(f"Evidence: {DIRECTION_LABELS[code].lower()}" for code in DIRECTIONS),
    "Status changes in the period",
    "Recommendation",
]


def recommendation_rows(summary: Summary):
    """Yield one row per recommendation, typed (numbers as numbers), in the header order."""
    for country, row in summary.recommendations:
        by_source = row.evidence_by_source_type
        by_direction = row.evidence_by_direction
        a = row.assessment
        yield [
            summary.period_statement,
            summary.as_of,
            summary.audience,
            country.name,
            summary.year,
            TIER_LABELS.get(country.tier, country.tier),
            row.reference,
            row.number,
            PILLAR_LABELS.get(row.pillar, row.pillar),
            STATUS_LABELS.get(row.status_at_start, row.status_at_start),
            STATUS_LABELS.get(row.status, row.status),
            row.status,
            "yes" if row.status_changed else "no",
            LINK_KIND_LABELS.get(row.link_kind, row.link_kind),
            row.predecessor_reference,
            RATING_LABELS.get(a.rating, a.rating) if a else "",
            CONFIDENCE_LABELS.get(a.confidence, a.confidence) if a else "",
            a.revision if a else None,
            a.narrative if a else "",
            _yes_no(a.narrative_withheld) if a else "",
            len(row.evidence),
            *(by_source[code] for code in SOURCE_TYPES),
            *(by_direction[code] for code in DIRECTIONS),
            len(row.changes),
            row.text,
        ]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


CHANGE_HEADERS = [
    "Country",
    "Recommendation",
    "Recorded on",
    "Effective date",
    "Entered on",
    "From",
    "To",
    "From (code)",
    "To (code)",
    "Reason",
    "Reason withheld",
]


def change_rows(summary: Summary):
    """Yield one row per status change of the period: its facts always, its reason when the
    summary's audience may read it (else empty, and "yes" under "Reason withheld")."""
    for country in summary.countries:
        for change in country.changes:
            yield [
                country.name,
                change.reference,
                change.on_reference or change.reference,
                change.effective_date,
                change.recorded_on,
                STATUS_LABELS.get(change.old_status, change.old_status),
                STATUS_LABELS.get(change.new_status, change.new_status),
                change.old_status,
                change.new_status,
                change.reason,
                _yes_no(change.reason_withheld),
            ]


def iter_csv(summary: Summary):
    """Yield the CSV one line at a time: a header row, then one row per recommendation.

    Written as every CSV of the project is (`spreadsheets.csv_lines`).
    """
    return spreadsheets.csv_lines(RECOMMENDATION_HEADERS, recommendation_rows(summary))


def to_csv(summary: Summary) -> str:
    """Return one CSV row per recommendation, with a header row."""
    return "".join(iter_csv(summary))


def _width(value) -> int:
    if isinstance(value, datetime.date):
        return 10
    return len("" if value is None else str(value))


def _sheet(workbook: spreadsheets.Workbook, title: str, headers: list[str], rows) -> None:
    """Add a sheet of `headers` and `rows` (a callable giving a fresh iterator) to `workbook`.

    Rows go to disk as they are written, so the widths, which come before them in the file,
    come from a first pass over the rows. Long prose (recommendation text, titles) wraps
    rather than stretching the sheet.
    """
    widths = [len(h) for h in headers]
    for row in rows():
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _width(value))
    columns = [
        spreadsheets.Column(h, min(max(w, 6) + 2, _MAX_WIDTH), wrap=w > _MAX_WIDTH)
        for h, w in zip(headers, widths, strict=True)
    ]
    sheet = workbook.add_sheet(title, columns, autofilter=True)
    for row in rows():
        sheet.append([clean_cell(value) for value in row])


def _totals_rows(summary: Summary):
    scopes = [("All countries", summary.totals)]
    if not summary.is_all_countries:
        scopes = [(summary.countries[0].name, summary.totals)]
    else:
        scopes += [(c.name, c.totals) for c in summary.countries]
    for scope, totals in scopes:
        for group, code, label, n in totals.rows():
            yield [scope, group, code, label, n]


def _evidence_rows(summary: Summary):
    for country in summary.countries:
        for row, item in country.evidence:
            yield [
                country.name,
                row.reference,
                item.id,
                item.date,
                item.title,
                item.source_type_label,
                item.source_name,
                item.direction_label,
                item.sensitivity,
                item.url,
            ]


EVIDENCE_HEADERS = [
    "Country",
    "Recommendation",
    "Evidence id",
    "Date",
    "Title",
    "Source type",
    "Source",
    "Direction",
    "Sensitivity",
    "Link",
]


def write_xlsx(summary: Summary, out) -> None:
    """Write a workbook with sheets of recommendations, totals, evidence and status changes.

    Each row goes to disk as it is written, however large the summary (`spreadsheets.Workbook`).
    """
    title = f"Progress summary {summary.year}: {summary.scope_name}"
    with spreadsheets.Workbook(out, title=title) as workbook:
        _sheet(
            workbook,
            "Recommendations",
            RECOMMENDATION_HEADERS,
            lambda: recommendation_rows(summary),
        )
        _sheet(
            workbook,
            "Totals",
            ["Scope", "Group", "Code", "Count", "Value"],
            lambda: _totals_rows(summary),
        )
        _sheet(workbook, "Evidence", EVIDENCE_HEADERS, lambda: _evidence_rows(summary))
        _sheet(workbook, "Status changes", CHANGE_HEADERS, lambda: change_rows(summary))
        _sheet(workbook, "About", ["About", "Value"], lambda: preamble(summary))


def to_xlsx(summary: Summary) -> bytes:
    """Return the workbook of `write_xlsx` as bytes."""
    out = io.BytesIO()
    write_xlsx(summary, out)
    return out.getvalue()


def render_html(summary: Summary, *, for_pdf: bool = False, request=None, extra=None) -> str:
    """Render the summary page (the same template on screen and in print).

    `for_pdf` gives the standalone document of the `html` export: no forms, no links to other
    pages. (The PDF itself is typeset by Typst: `to_pdf`.)
    """
    template = (
        "reports/summary_all.html" if summary.is_all_countries else "reports/summary_country.html"
    )
    return render_to_string(
        template, page_context(summary, for_pdf=for_pdf, **(extra or {})), request=request
    )


def page_context(summary: Summary, *, for_pdf: bool = False, **extra) -> dict:
    """Return what the summary templates need: the summary, its charts and how it is shown."""
    if summary.is_all_countries:
        chart_list = charts.scope_charts(summary)
        country = None
    else:
        country = summary.countries[0]
        chart_list = charts.country_charts(country, summary=summary)
    return {
        "summary": summary,
        "country": country,
        "charts": chart_list,
        "country_rows": [
            (c, charts.status_strip(c.totals.by_status, label=c.name)) for c in summary.countries
        ]
        if summary.is_all_countries
        else [],
        "columns": COUNTRY_TABLE_COLUMNS,
        "for_pdf": for_pdf,
        "generated_at": summary.generated_at or timezone.now(),
        "status_labels": STATUS_LABELS,
        **extra,
    }


# (sort key, heading, numeric) of the all-countries table; an empty key is not sortable.
COUNTRY_TABLE_COLUMNS = [
    ("country", "Country", False),
    ("tier", "Tier", False),
    ("recommendations", "Recommendations", True),  # with the status mix beneath the count
    ("no_action", "No action", True),
    ("in_progress", "In progress", True),
    ("implemented", "Implemented", True),
    ("regressed", "Regressed", True),
    ("cannot_assess", "Cannot assess", True),
    ("changed", "Changed", True),
    ("evidence", "Evidence items", True),
    ("without_evidence", "No evidence", True),
    ("without_assessment", "No assessment", True),
]


def to_pdf(summary: Summary, *, record=None) -> bytes:
    """Return the summary as a tagged PDF/UA-1 document typeset by Typst (`reports.pdf`).

    `record` is the published summary it was read from, if any: its publication is shown, and
    is the PDF's creation time, so the same snapshot gives the same bytes.
    """
    return pdf.summary_pdf(summary, record=record)


def export(summary: Summary, fmt: str) -> bytes:
    """Return the summary in `fmt` (json, csv, xlsx, pdf or html) as bytes."""
    if fmt == "json":
        return to_json(summary).encode("utf-8")
    if fmt == "csv":
        return to_csv(summary).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(summary)
    if fmt == "pdf":
        return to_pdf(summary)
    if fmt == "html":
        return render_html(summary, for_pdf=True).encode("utf-8")
    raise ValueError(f"Unknown format {fmt!r}.")
