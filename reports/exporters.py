"""Write a progress summary as JSON, CSV, XLSX or PDF: the same numbers in each.

Every exporter renders a `reports.summary.Summary`; none queries the database. The PDF is
typeset by Typst from the summary's published JSON shape (`reports.pdf`).
"""

from __future__ import annotations

import datetime
import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext_lazy

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
    """Return what every export states before its figures: scope, period, as-of day, audience.

    In the active language: the workbook's "About" sheet is read, not parsed.
    """
    return [
        [
            gettext("Progress summary"),
            gettext("%(scope)s, report %(year)s")
            % {"scope": summary.scope_name, "year": summary.year},
        ],
        [gettext("Period"), summary.period_statement],
        [gettext("As of"), summary.as_of.isoformat()],
        [
            gettext("Audience"),
            gettext("%(audience)s: %(description)s")
            % {"audience": summary.audience_label, "description": summary.audience_description},
        ],
    ]


def to_json(summary: Summary) -> str:
    """Return the summary as canonical JSON (the bytes a published summary is frozen as)."""
    return canonical_json(summary)


# The CSV's column names stay English (scripts read them); the workbook shows them translated
# (`_recommendation_headers_xlsx`), so each fixed name is marked for the catalogue.
_RECOMMENDATION_HEAD = [
    gettext_noop("Period"),
    gettext_noop("As of"),
    gettext_noop("Audience"),
    gettext_noop("Country"),
    gettext_noop("Year"),
    gettext_noop("Tier"),
    gettext_noop("Reference"),
    gettext_noop("Number"),
    gettext_noop("Pillar"),
    gettext_noop("Status at the start of the period"),
    gettext_noop("Status on the as-of day"),
    gettext_noop("Status code"),
    gettext_noop("Changed in the period"),
    gettext_noop("Lineage"),
    gettext_noop("Predecessor"),
    gettext_noop("Rating"),
    gettext_noop("Confidence"),
    gettext_noop("Assessment revision"),
    gettext_noop("Assessment narrative"),
    gettext_noop("Assessment narrative withheld"),
    gettext_noop("Evidence links"),
]
_RECOMMENDATION_TAIL = [
    gettext_noop("Status changes in the period"),
    gettext_noop("Recommendation"),
]
RECOMMENDATION_HEADERS = [
    *_RECOMMENDATION_HEAD,
    *(f"Evidence: {SOURCE_TYPE_LABELS[code]}" for code in SOURCE_TYPES),
    *(f"Evidence: {DIRECTION_LABELS[code].lower()}" for code in DIRECTIONS),
    *_RECOMMENDATION_TAIL,
]


def recommendation_rows(summary: Summary):
    """Yield one row per recommendation, typed (numbers as numbers), in the header order."""
    summary.require_listed()
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
    gettext_noop("Country"),
    gettext_noop("Recommendation"),
    gettext_noop("Recorded on"),
    gettext_noop("Effective date"),
    gettext_noop("Entered on"),
    gettext_noop("From"),
    gettext_noop("To"),
    gettext_noop("From (code)"),
    gettext_noop("To (code)"),
    gettext_noop("Reason"),
    gettext_noop("Reason withheld"),
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
    scopes = [(gettext("All countries"), summary.totals)]
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
    gettext_noop("Country"),
    gettext_noop("Recommendation"),
    gettext_noop("Evidence id"),
    gettext_noop("Date"),
    gettext_noop("Title"),
    gettext_noop("Source type"),
    gettext_noop("Source"),
    gettext_noop("Direction"),
    gettext_noop("Sensitivity"),
    gettext_noop("Link"),
]


def _recommendation_headers_xlsx() -> list[str]:
    """Return the recommendations sheet's column names in the active language."""
    return [
        *(gettext(h) for h in _RECOMMENDATION_HEAD),
        *(
            gettext("Evidence: %(source_type)s") % {"source_type": SOURCE_TYPE_LABELS[code]}
            for code in SOURCE_TYPES
        ),
        *(
            gettext("Evidence: %(direction)s") % {"direction": DIRECTION_LABELS[code].lower()}
            for code in DIRECTIONS
        ),
        *(gettext(h) for h in _RECOMMENDATION_TAIL),
    ]


def _translated(headers: list[str]) -> list[str]:
    return [gettext(h) for h in headers]


def write_xlsx(summary: Summary, out) -> None:
    """Write a workbook with sheets of recommendations, totals, evidence and status changes.

    Each row goes to disk as it is written, however large the summary (`spreadsheets.Workbook`).
    """
    title = gettext("Progress summary %(year)s: %(scope)s") % {
        "year": summary.year,
        "scope": summary.scope_name,
    }
    # Sheet names (at most 31 characters in Excel) and column names read in the active language.
    with spreadsheets.Workbook(out, title=title) as workbook:
        _sheet(
            workbook,
            gettext("Recommendations"),
            _recommendation_headers_xlsx(),
            lambda: recommendation_rows(summary),
        )
        _sheet(
            workbook,
            gettext("Totals"),
            [
                gettext("Scope"),
                gettext("Group"),
                gettext("Code"),
                gettext("Count"),
                gettext("Value"),
            ],
            lambda: _totals_rows(summary),
        )
        _sheet(
            workbook,
            gettext("Evidence"),
            _translated(EVIDENCE_HEADERS),
            lambda: _evidence_rows(summary),
        )
        _sheet(
            workbook,
            gettext("Status changes"),
            _translated(CHANGE_HEADERS),
            lambda: change_rows(summary),
        )
        _sheet(
            workbook,
            gettext("About"),
            [gettext("About"), gettext("Value")],
            lambda: preamble(summary),
        )


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
        # Each row's cells name their column (narrow screens): translated once, not per row.
        "column_labels": {key: str(label) for key, label, _ in COUNTRY_TABLE_COLUMNS},
        "for_pdf": for_pdf,
        "generated_at": summary.generated_at or timezone.now(),
        "status_labels": STATUS_LABELS,
        **extra,
    }


# (sort key, heading, numeric) of the all-countries table; an empty key is not sortable.
COUNTRY_TABLE_COLUMNS = [
    ("country", gettext_lazy("Country"), False),
    ("tier", gettext_lazy("Tier"), False),
    ("recommendations", gettext_lazy("Recommendations"), True),  # with the status mix beneath
    ("no_action", gettext_lazy("No action"), True),
    ("in_progress", gettext_lazy("In progress"), True),
    ("implemented", gettext_lazy("Implemented"), True),
    ("regressed", gettext_lazy("Regressed"), True),
    ("cannot_assess", pgettext_lazy("status, short", "Cannot assess"), True),
    ("changed", gettext_lazy("Changed"), True),
    ("evidence", gettext_lazy("Evidence items"), True),
    ("without_evidence", gettext_lazy("No evidence"), True),
    ("without_assessment", gettext_lazy("No assessment"), True),
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
