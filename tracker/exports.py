"""Downloads of the filtered recommendation list, as CSV and XLSX with the same columns and rows."""

import io

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from tiptracker.lib import spreadsheets
from tiptracker.lib.spreadsheets import CSV_TYPE, XLSX_TYPE
from tracker.models import Recommendation, Tier

_CHUNK = 2000

COLUMNS = [
    "Reference",
    "Country",
    "Year",
    "Tier",
    "Priority",
    "Pillar",
    "Status",
    "Status code",
    "Owner",
    "Needs review",
    "Has evidence",
    "Approved assessment",
    "Text",
    "Link",
]

_PK_PLACEHOLDER = 2_147_483_647


def link_parts(absolute_url) -> tuple[str, str]:
    """Return what comes before and after the primary key in a recommendation's absolute link."""
    link = absolute_url(reverse("recommendation_detail", args=[_PK_PLACEHOLDER]))
    prefix, _, suffix = link.rpartition(str(_PK_PLACEHOLDER))
    return prefix, suffix


def rows(queryset, absolute_url, progress=None):
    """Yield one list of typed values per recommendation, in the order of `queryset`.

    The queryset must carry `with_report()` and the `has_evidence` and
    `has_approved_assessment` annotations; `absolute_url` turns a path into the link the file
    holds. `progress(n)`, if given, is told every 1,000 rows how many were written.
    """
    # Plain tuples rather than model instances: at tens of thousands of rows, building the
    # instances cost more than the query.
    status = "status_on" if "status_on" in queryset.query.annotations else "status"
    values = queryset.values_list(
        "pk",
        "reference",
        "report__country__name",
        "report__year",
        "report__tier",
        "number",
        "pillar",
        status,
        "owner__username",
        "needs_review",
        "has_evidence",
        "has_approved_assessment",
        "text",
    )
    # Every link is the same path around the primary key: reverse() once, not once a row.
    prefix, suffix = link_parts(absolute_url)
    tiers = dict(Tier.choices)
    pillars = dict(Recommendation.Pillar.choices)
    statuses = dict(Recommendation.Status.choices)
    for n, row in enumerate(values.iterator(chunk_size=_CHUNK), start=1):
        if progress is not None and n % 1000 == 0:
            progress(n)
        pk, reference, country, year, tier, number, pillar, code, owner, *flags, text = row
        yield [
            reference,
            country,
            year,
            tiers.get(tier, tier),
            number,
            pillars.get(pillar, pillar),
            # With `as_of`, the list is of the statuses on that day (`models.status_on`).
            statuses[code],
            code,
            owner or "",
            *flags,
            text,
            f"{prefix}{pk}{suffix}",
        ]


def filename(extension: str) -> str:
    """Return the download name of the list, e.g. `recommendations-2026-12-01.csv`."""
    return f"recommendations-{timezone.localdate():%Y-%m-%d}.{extension}"


def csv_lines(queryset, absolute_url, progress=None):
    """Yield the CSV of the recommendations of `queryset` line by line (BOM first)."""
    return spreadsheets.csv_lines(COLUMNS, rows(queryset, absolute_url, progress))


def csv_response(queryset, request) -> StreamingHttpResponse:
    """Stream the recommendations of `queryset` as CSV."""
    response = StreamingHttpResponse(
        csv_lines(queryset, request.build_absolute_uri), content_type=CSV_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename("csv")}"'
    return response


# Width in characters of each column; the others keep the spreadsheet's default.
_WIDTHS = {
    "Reference": 14,
    "Country": 24,
    "Year": 7,
    "Tier": 18,
    "Priority": 8,
    "Pillar": 13,
    "Status": 22,
    "Status code": 14,
    "Owner": 14,
    "Text": 80,
}


def write_xlsx(queryset, absolute_url, out, progress=None) -> None:
    """Write the recommendations of `queryset` to `out` as a workbook with a frozen header row.

    Each row goes to disk as it is written, whatever the list's size (`spreadsheets.Workbook`).
    """
    with spreadsheets.Workbook(out) as workbook:
        columns = [spreadsheets.Column(title, _WIDTHS.get(title)) for title in COLUMNS]
        sheet = workbook.add_sheet("Recommendations", columns)
        for row in rows(queryset, absolute_url, progress):
            sheet.append(row)


def xlsx_response(queryset, request) -> HttpResponse:
    """Return the recommendations of `queryset` as an XLSX workbook."""
    buffer = io.BytesIO()
    write_xlsx(queryset, request.build_absolute_uri, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename("xlsx")}"'
    return response
