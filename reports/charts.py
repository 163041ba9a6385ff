"""Charts of the progress summaries, drawn as SVG on the server.

No JavaScript: the same markup shows on screen, prints, and goes into the PDF. Colours are SVG
presentation attributes (the Content-Security-Policy forbids inline styles); sizes of text and
layout come from classes in `static/css/summary.css`. Each chart carries a `<title>` and a
`<desc>`, is labelled by them through `aria-labelledby`, and comes with the table of the numbers
it draws, which the template shows next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from reports.summary_shape import (
    RATING_LABELS,
    RATINGS,
    STATUS_LABELS,
    STATUSES,
    TIER_LABELS,
    YearPoint,
)
from tiptracker.lib.dates import long_date
from tracker.models import Tier

STATUS_COLOURS = {
    "no_action": "#c8553d",
    "in_progress": "#e0a526",
    "implemented": "#2f7d4f",
    "regressed": "#6b1d1d",
    "cannot_assess": "#8c99a6",
}
RATING_COLOURS = {
    "regression": "#6b1d1d",
    "no_progress": "#c8553d",
    "limited": "#e0a526",
    "substantial": "#74a57f",
    "implemented": "#2f7d4f",
    "cannot_assess": "#8c99a6",
}
# Legends and table headings use the short form of the long status label.
STATUS_SHORT = {**STATUS_LABELS, "cannot_assess": pgettext_lazy("status, short", "Cannot assess")}

# Text attributes of the charts: presentation attributes, so the PDF renderer sees them too.
_AXIS = 'class="chart-axis" font-size="11" fill="#4a5562"'
_VALUE_DARK = 'class="chart-value-dark" font-size="12" fill="#1f2933"'
# Tier 1 at the top: a higher line is a better placement.
TIER_ORDER = [
    Tier.TIER_1,
    Tier.TIER_2,
    Tier.TIER_2_WATCH_LIST,
    Tier.TIER_3,
    Tier.SPECIAL_CASE,
]


def _escape(value):
    # Numbers pass through unchanged so the format string can round them ({:.2f}).
    if isinstance(value, int | float):
        return value
    return conditional_escape(value)


def _svg(format_string: str, *args, **kwargs) -> SafeString:
    """Fill `format_string` like format_html: text is escaped, numbers keep their type."""
    return mark_safe(
        format_string.format(
            *map(_escape, args), **{key: _escape(value) for key, value in kwargs.items()}
        )
    )


@dataclass
class Chart:
    """An SVG chart and the table of the numbers it draws."""

    id: str
    title: str
    svg: SafeString
    headers: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)


def _open_svg(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    # Every chart is drawn left to right, in Arabic too: its time axis runs from the earliest
    # year on the left, as the numbers in it read and as its table beside it lists the years;
    # `direction` keeps the anchors of its labels where they were placed in a right-to-left page.
    return _svg(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" direction="ltr" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>',
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=desc,
    )


def _describe(counts: dict[str, int], labels: dict[str, str]) -> str:
    parts = [
        _("%(label)s: %(n)s") % {"label": labels[code], "n": n} for code, n in counts.items() if n
    ]
    return "; ".join(parts) if parts else _("No recommendations.")


def _legend(x: int, y: int, codes, labels, colours, width: int) -> tuple[list[str], int]:
    """Return legend markup laid out in rows that fit `width`, and the height it takes."""
    parts, cx, cy = [], x, y
    for code in codes:
        label = labels[code]
        item_width = 18 + 7 * len(label) + 16
        if cx + item_width > x + width and cx > x:
            cx, cy = x, cy + 18
        parts.append(
            _svg(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text class="chart-legend" font-size="12" fill="#1f2933" x="{}" y="{}">{}</text>',
                cx,
                cy,
                colours[code],
                cx + 17,
                cy + 10,
                label,
            )
        )
        cx += item_width
    return parts, cy - y + 18


def status_mix(counts: dict[str, int], *, chart_id: str, title: str) -> Chart:
    """Draw one horizontal bar split by status, with a legend."""
    width, bar_h, left = 640, 28, 0
    total = sum(counts.values())
    parts: list[str] = []
    x = float(left)
    for code in STATUSES:
        n = counts.get(code, 0)
        if not n:
            continue
        w = width * n / total
        parts.append(
            _svg(
                '<rect x="{:.2f}" y="0" width="{:.2f}" height="{}" fill="{}">'
                "<title>{}: {}</title></rect>",
                x,
                w,
                bar_h,
                STATUS_COLOURS[code],
                STATUS_LABELS[code],
                n,
            )
        )
        if w >= 24:
            parts.append(
                _svg(
                    '<text class="chart-value" x="{:.2f}" y="{}" text-anchor="middle" '
                    'font-size="12" font-weight="bold" fill="#ffffff">{}</text>',
                    x + w / 2,
                    bar_h / 2 + 5,
                    n,
                )
            )
        x += w
    if not total:
        parts.append(
            _svg('<rect x="0" y="0" width="{}" height="{}" fill="#eceff3"/>', width, bar_h)
        )
    legend, legend_h = _legend(0, bar_h + 12, STATUSES, STATUS_SHORT, STATUS_COLOURS, width)
    height = bar_h + 12 + legend_h
    svg = (
        _open_svg(chart_id, width, height, title, _describe(counts, STATUS_LABELS))
        + "".join(parts)
        + "".join(legend)
        + "</svg>"
    )
    rows = [[str(STATUS_SHORT[code]), counts.get(code, 0)] for code in STATUSES]
    rows.append([_("Total"), total])
    return Chart(chart_id, title, mark_safe(svg), [_("Status"), _("Recommendations")], rows)


def status_strip(counts: dict[str, int], *, label: str) -> SafeString:
    """Draw a small status bar for a table row; the row's cells hold the numbers."""
    width, height = 120, 12
    total = sum(counts.values())
    desc = _("%(label)s: %(counts)s") % {"label": label, "counts": _describe(counts, STATUS_LABELS)}
    parts = [
        _svg(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart-strip" role="img" '
            'direction="ltr" viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{d}">'
            "<title>{d}</title>",
            w=width,
            h=height,
            d=desc,
        )
    ]
    x = 0.0
    for code in STATUSES:
        n = counts.get(code, 0)
        if not n or not total:
            continue
        w = width * n / total
        parts.append(
            _svg(
                '<rect x="{:.2f}" y="0" width="{:.2f}" height="{}" fill="{}"/>',
                x,
                w,
                height,
                STATUS_COLOURS[code],
            )
        )
        x += w
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _stacked_years(
    points: list[YearPoint],
    *,
    attr: str,
    codes,
    labels,
    colours,
    chart_id: str,
    title: str,
    empty: dict,
) -> Chart:
    """Draw one stacked column per year; each column adds up that year's counts.

    With nothing to count in any year, say so in words rather than draw empty axes: `empty`
    holds those words ("in" a span of years, "yet" with no year, "none" in the description).
    """
    plot_h, col_w, gap, left, top = 160, 44, 22, 34, 8
    width = max(320, left + len(points) * (col_w + gap) + gap)
    highest = max((sum(getattr(p, attr).values()) for p in points), default=0)
    headers = [_("Year")] + [str(labels[code]) for code in codes] + [_("Total")]
    rows = [
        [p.year]
        + [getattr(p, attr).get(code, 0) for code in codes]
        + [sum(getattr(p, attr).values())]
        for p in points
    ]
    if highest == 0:
        years = f"{points[0].year}–{points[-1].year}" if len(points) > 1 else ""
        if len(points) == 1:
            years = str(points[0].year)
        sentence = str(empty["in"]) % {"years": years} if years else str(empty["yet"])
        svg = (
            _open_svg(chart_id, 320, 32, title, sentence)
            + _svg(
                '<text class="chart-empty" font-size="14" fill="#1f2933" x="0" y="20">{}</text>',
                sentence,
            )
            + "</svg>"
        )
        return Chart(chart_id, title, mark_safe(svg), headers, rows)
    # Four gridline steps of a whole number each, so no label repeats or shows a fraction.
    step = max(1, -(-highest // 4))
    peak = step * 4
    parts: list[str] = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(
            _svg(
                '<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#d9dee4" '
                'stroke-width="1"/><text ' + _AXIS + ' x="{}" y="{:.1f}" '
                'text-anchor="end">{}</text>',
                left,
                width,
                y,
                y,
                left - 6,
                y + 4,
                step * i,
            )
        )
    for i, point in enumerate(points):
        counts = getattr(point, attr)
        x = left + gap + i * (col_w + gap)
        y = top + plot_h
        for code in codes:
            n = counts.get(code, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            parts.append(
                _svg(
                    '<rect x="{}" y="{:.2f}" width="{}" height="{:.2f}" fill="{}">'
                    "<title>{} {}: {}</title></rect>",
                    x,
                    y,
                    col_w,
                    h,
                    colours[code],
                    point.year,
                    labels[code],
                    n,
                )
            )
        parts.append(
            _svg(
                "<text " + _AXIS + ' x="{}" y="{}" text-anchor="middle">{}</text>',
                x + col_w / 2,
                top + plot_h + 16,
                point.year,
            )
        )
    legend, legend_h = _legend(left, top + plot_h + 30, codes, labels, colours, width - left)
    height = top + plot_h + 30 + legend_h
    desc = " ".join(
        _("%(year)s: %(counts)s.") % {"year": p.year, "counts": _describe(getattr(p, attr), labels)}
        for p in points
    ) or str(empty["none"])
    svg = (
        _open_svg(chart_id, width, height, title, desc)
        + "".join(parts)
        + "".join(legend)
        + "</svg>"
    )
    return Chart(chart_id, title, mark_safe(svg), headers, rows)


def status_over_years(points: list[YearPoint], *, chart_id: str, title: str) -> Chart:
    """Draw the status mix at the end of each report year's follow-up period."""
    return _stacked_years(
        points,
        attr="by_status",
        codes=STATUSES,
        labels=STATUS_SHORT,
        colours=STATUS_COLOURS,
        chart_id=chart_id,
        title=title,
        empty={
            "in": gettext_lazy("No recommendations in %(years)s yet."),
            "yet": gettext_lazy("No recommendations yet."),
            "none": gettext_lazy("No recommendations."),
        },
    )


def rating_over_years(points: list[YearPoint], *, chart_id: str, title: str) -> Chart:
    """Draw the ratings of the approved assessments of each year."""
    return _stacked_years(
        points,
        attr="by_rating",
        codes=RATINGS,
        labels=RATING_LABELS,
        colours=RATING_COLOURS,
        chart_id=chart_id,
        title=title,
        empty={
            "in": gettext_lazy("No approved assessments in %(years)s yet."),
            "yet": gettext_lazy("No approved assessments yet."),
            "none": gettext_lazy("No approved assessments."),
        },
    )


NO_TIER = gettext_lazy("No tier on record")


def tier_timeline(history: list[tuple[int, str]], *, chart_id: str, title: str) -> Chart:
    """Draw the tier of each year on a time axis; Tier 1 is at the top.

    Years are spaced by how far apart they are, so 2015 does not sit next to 2018. A year
    between the first and the last with no placement on record is drawn as unknown: a shaded
    column and a hollow mark on a row of its own, "No tier on record"; the line joins
    neighbouring years only. The chart's table lists those years too.
    """
    row_h, left, top = 26, 128, 10
    known = dict(history)
    years = sorted(known)
    first, last = (years[0], years[-1]) if years else (0, 0)
    unknown = [year for year in range(first, last + 1) if year not in known] if years else []
    span = max(last - first, 1)
    step = max(14.0, min(46.0, 520.0 / span))
    width = int(max(320, left + 40 + span * step))
    plot_h = row_h * len(TIER_ORDER)  # the tiers, then the row of years with none on record
    unknown_y = top + plot_h
    parts: list[str] = []
    for year in unknown:
        parts.append(
            _svg(
                '<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="#eef1f4"/>',
                left + 20 + (year - first - 0.5) * step,
                top - row_h // 2,
                step,
                plot_h + row_h // 2 + 6,
            )
        )
    for i, label in enumerate([*(TIER_LABELS[t] for t in TIER_ORDER), NO_TIER]):
        y = top + i * row_h
        parts.append(
            _svg(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d9dee4" stroke-width="1"/>'
                "<text " + _AXIS + ' x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - 10,
                y,
                y,
                left - 8,
                y + 4,
                label,
            )
        )
    tick_every = 1 if span <= 12 else 2
    for year in range(first, last + 1) if years else ():
        if (year - first) % tick_every and year != last:
            continue
        parts.append(
            _svg(
                "<text " + _AXIS + ' x="{:.1f}" y="{}" text-anchor="middle">{}</text>',
                left + 20 + (year - first) * step,
                top + plot_h + 20,
                year,
            )
        )
    coords = []
    for year, tier in sorted(history):
        x = left + 20 + (year - first) * step
        y = top + TIER_ORDER.index(tier) * row_h if tier in TIER_ORDER else unknown_y
        coords.append((x, y, year, tier))
    run: list[tuple[float, int]] = []
    for index, (x, y, year, _tier) in enumerate(coords):
        if run and year != coords[index - 1][2] + 1:
            if len(run) > 1:
                parts.append(_polyline(run))
            run = []
        run.append((x, y))
    if len(run) > 1:
        parts.append(_polyline(run))
    for x, y, year, tier in coords:
        parts.append(
            _svg(
                '<circle cx="{:.1f}" cy="{}" r="5" fill="#1d4e89"><title>{}</title></circle>',
                x,
                y,
                _("%(year)s: %(tier)s") % {"year": year, "tier": TIER_LABELS.get(tier, tier)},
            )
        )
    for year in unknown:
        parts.append(
            _svg(
                '<circle class="chart-unknown" cx="{:.1f}" cy="{}" r="4" fill="#fff" '
                'stroke="#6b7280" stroke-width="1.5" stroke-dasharray="2 2">'
                "<title>{}</title></circle>",
                left + 20 + (year - first) * step,
                unknown_y,
                _("%(year)s: no tier on record (unknown)") % {"year": year},
            )
        )
    height = top + plot_h + 30
    described = sorted([*known.items(), *((year, None) for year in unknown)])
    desc = "; ".join(
        _("%(year)s: %(tier)s") % {"year": year, "tier": TIER_LABELS.get(tier, tier)}
        if tier
        else _("%(year)s: no tier on record (unknown)") % {"year": year}
        for year, tier in described
    ) or _("No tier recorded.")
    svg = _open_svg(chart_id, width, height, title, desc) + "".join(parts) + "</svg>"
    rows = [
        [year, TIER_LABELS.get(tier, tier) if tier else str(NO_TIER)] for year, tier in described
    ]
    return Chart(chart_id, title, mark_safe(svg), [_("Year"), _("Tier")], rows)


def _polyline(points: list[tuple[float, int]]) -> SafeString:
    return _svg(
        '<polyline points="{}" fill="none" stroke="#1d4e89" stroke-width="2"/>',
        " ".join(f"{x:.1f},{y}" for x, y in points),
    )


def tier_distribution(tiers: list[str], *, chart_id: str, title: str) -> Chart:
    """Draw how many countries of the scope sit on each tier this year, as bars."""
    counts = dict.fromkeys(TIER_ORDER, 0)
    for tier in tiers:
        counts[tier] = counts.get(tier, 0) + 1
    bar_h, gap, left, width = 20, 8, 128, 640
    peak = max(counts.values(), default=0) or 1
    parts: list[str] = []
    for i, tier in enumerate(TIER_ORDER):
        y = i * (bar_h + gap)
        w = (width - left - 40) * counts[tier] / peak
        parts.append(
            _svg(
                "<text " + _AXIS + ' x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect x="{}" y="{}" width="{:.2f}" height="{}" fill="#1d4e89"/>'
                "<text " + _VALUE_DARK + ' x="{:.2f}" y="{}">{}</text>',
                left - 8,
                y + 14,
                TIER_LABELS[tier],
                left,
                y,
                w,
                bar_h,
                left + w + 6,
                y + 14,
                counts[tier],
            )
        )
    height = len(TIER_ORDER) * (bar_h + gap)
    desc = "; ".join(
        _("%(label)s: %(n)s") % {"label": TIER_LABELS[t], "n": counts[t]} for t in TIER_ORDER
    )
    svg = _open_svg(chart_id, width, height, title, desc) + "".join(parts) + "</svg>"
    rows = [[TIER_LABELS[t], counts[t]] for t in TIER_ORDER]
    return Chart(chart_id, title, mark_safe(svg), [_("Tier"), _("Countries")], rows)


def country_charts(country, *, summary) -> list[Chart]:
    """Return the charts of one country's summary."""
    prefix = f"chart-{country.slug}"
    return [
        status_mix(
            country.totals.by_status,
            chart_id=f"{prefix}-mix",
            title=_("%(name)s: status of the %(year)s recommendations on %(day)s")
            % {"name": country.name, "year": summary.year, "day": long_date(summary.as_of)},
        ),
        status_over_years(
            country.history,
            chart_id=f"{prefix}-status-years",
            title=_("%(name)s: status at the end of each year's follow-up period")
            % {"name": country.name},
        ),
        rating_over_years(
            country.history,
            chart_id=f"{prefix}-rating-years",
            title=_("%(name)s: ratings of approved assessments by year") % {"name": country.name},
        ),
        tier_timeline(
            country.tier_history,
            chart_id=f"{prefix}-tiers",
            title=_("%(name)s: tier by report year") % {"name": country.name},
        ),
    ]


def scope_charts(summary) -> list[Chart]:
    """Return the charts of an all-countries summary."""
    return [
        status_mix(
            summary.totals.by_status,
            chart_id="chart-all-mix",
            title=_("All countries: status of the %(year)s recommendations on %(day)s")
            % {"year": summary.year, "day": long_date(summary.as_of)},
        ),
        tier_distribution(
            [c.tier for c in summary.countries],
            chart_id="chart-all-tiers",
            title=_("Countries by tier in %(year)s") % {"year": summary.year},
        ),
        status_over_years(
            summary.history,
            chart_id="chart-all-status-years",
            title=_("These countries: status at the end of each year's follow-up period"),
        ),
        rating_over_years(
            summary.history,
            chart_id="chart-all-rating-years",
            title=_("These countries: ratings of approved assessments by year"),
        ),
    ]
