"""The published shape of a summary: canonical JSON, frozen with its SHA-256, and read back.

A published summary is stored as the bytes `canonical_json` gives; `summary_from_dict` turns it
back into the dataclasses of `reports.summary` so the same templates show it, and `compare` lists
what changed between it and today's figures.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from django.utils import translation

from reports.summary import (
    ALL_COUNTRIES_NAME,
    SCHEMA_VERSION,
    STATUS_LABELS,
    AssessmentItem,
    ChangeItem,
    CountrySummary,
    DroppedRow,
    EvidenceItem,
    RecommendationRow,
    Summary,
    Totals,
    YearPoint,
)

# --- The published (JSON) shape -------------------------------------------------------------

# The scope name of an all-countries summary in its JSON, in English whatever the language.
ALL_COUNTRIES = "All countries"


def _totals_to_dict(t: Totals) -> dict:
    return {
        "recommendations": t.recommendations,
        "by_status": t.by_status,
        "by_status_at_start": t.by_status_at_start,
        "by_pillar": t.by_pillar,
        "by_rating": t.by_rating,
        "by_link_kind": t.by_link_kind,
        "evidence_items": t.evidence_items,
        "evidence_links": t.evidence_links,
        "evidence_withdrawn": t.evidence_withdrawn,
        "evidence_by_source_type": t.evidence_by_source_type,
        "evidence_by_direction": t.evidence_by_direction,
        "status_changes": t.status_changes,
        "changed_in_period": t.changed_in_period,
        "without_evidence": t.without_evidence,
        "without_assessment": t.without_assessment,
    }


def _point_to_dict(p: YearPoint) -> dict:
    return {"year": p.year, "tier": p.tier, "by_status": p.by_status, "by_rating": p.by_rating}


def summary_to_dict(summary: Summary) -> dict:
    """Return the summary as JSON-ready data; no generation time, so equal data gives equal JSON.

    The data hold codes, never labels, and the scope's name is the country's (or the English
    "All countries"), so it is the same in whatever language the summary was built or is read.
    """
    summary.require_listed()
    with translation.override("en"):
        return _summary_to_dict(summary)


def _summary_to_dict(summary: Summary) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "year": summary.year,
        "follow_up_period": {
            "start": summary.period_start.isoformat(),
            "end": summary.period_end.isoformat(),
        },
        "as_of": summary.as_of.isoformat(),
        "audience": summary.audience,
        "scope": {
            "country": summary.country_slug,
            "name": summary.scope_name if summary.country_slug else ALL_COUNTRIES,
        },
        "includes_restricted_evidence": summary.includes_restricted,
        "totals": _totals_to_dict(summary.totals),
        "history": [_point_to_dict(p) for p in summary.history],
        "countries": [
            {
                "name": c.name,
                "slug": c.slug,
                "code": c.code,
                "tier": c.tier,
                "report_title": c.report_title,
                "tier_history": [{"year": y, "tier": t} for y, t in c.tier_history],
                "history": [_point_to_dict(p) for p in c.history],
                "previous_year": c.previous_year,
                "totals": _totals_to_dict(c.totals),
                "recommendations": [
                    {
                        "id": r.id,
                        "reference": r.reference,
                        "number": r.number,
                        "text": r.text,
                        # Analysts' translations of the official text, by language code.
                        "translations": dict(r.translations),
                        "pillar": r.pillar,
                        "status_at_start": r.status_at_start,
                        "status": r.status,
                        "link_kind": r.link_kind,
                        "predecessor": r.predecessor_reference or None,
                        "assessment": (
                            {
                                "rating": r.assessment.rating,
                                "confidence": r.assessment.confidence,
                                "narrative": r.assessment.narrative,
                                "narrative_withheld": r.assessment.narrative_withheld,
                                "narrative_sensitivity": r.assessment.narrative_sensitivity,
                                "revision": r.assessment.revision,
                            }
                            if r.assessment
                            else None
                        ),
                        "evidence": [
                            {
                                "id": e.id,
                                "title": e.title,
                                "source_type": e.source_type,
                                "source_name": e.source_name,
                                "url": e.url,
                                "date": e.date.isoformat(),
                                "direction": e.direction,
                                "sensitivity": e.sensitivity,
                            }
                            for e in r.evidence
                        ],
                        "changes": [
                            {
                                "recorded_on": ch.recorded_on.isoformat(),
                                "on_reference": ch.on_reference,
                                "old_status": ch.old_status,
                                "new_status": ch.new_status,
                                "effective_date": ch.effective_date.isoformat(),
                                "reason": ch.reason,
                                "reason_withheld": ch.reason_withheld,
                                "reason_sensitivity": ch.reason_sensitivity,
                            }
                            for ch in r.changes
                        ],
                    }
                    for r in c.recommendations
                ],
                "dropped": [
                    {
                        "reference": d.reference,
                        "number": d.number,
                        "text": d.text,
                        "pillar": d.pillar,
                        "status": d.status,
                        "year": d.year,
                    }
                    for d in c.dropped
                ],
            }
            for c in summary.countries
        ],
    }


def canonical_json(summary: Summary) -> str:
    """Return the summary as canonical JSON: sorted keys, fixed separators, UTF-8 text.

    The same bytes (and so the same SHA-256 a published summary is frozen with) in whatever
    language the publisher reads the tracker (`summary_to_dict`).
    """
    return json.dumps(
        summary_to_dict(summary), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


# Field names of schema 1 (statuses on the last day of the reporting period) and their
# schema 2 counterparts, so summaries published before follow-up periods still render.
_V1_TOTALS = {
    "by_status_previous": "by_status_at_start",
    "changed_since_last_year": "changed_in_period",
}


def _totals_from_dict(d: dict) -> Totals:
    d = {_V1_TOTALS.get(key, key): value for key, value in d.items()}
    d.setdefault("evidence_links", d["evidence_items"])
    d.setdefault("evidence_withdrawn", 0)
    return Totals(**d)


def _point_from_dict(d: dict) -> YearPoint:
    return YearPoint(d["year"], d["tier"], dict(d["by_status"]), dict(d["by_rating"]))


def _recorded_on(value: str) -> datetime.date | None:
    # Schema 1 held the item's reference in this field by mistake: no date to show.
    try:
        return _date(value)
    except ValueError:
        return None


def _assessment_from_dict(a: dict, unlabelled_public: bool) -> AssessmentItem:
    withheld = unlabelled_public or a.get("narrative_withheld", False)
    return AssessmentItem(
        a["rating"],
        a["confidence"],
        "" if withheld else a["narrative"],
        a["revision"],
        narrative_withheld=withheld,
        narrative_sensitivity="" if withheld else a.get("narrative_sensitivity", ""),
    )


def _change_from_dict(reference: str, ch: dict, unlabelled_public: bool) -> ChangeItem:
    withheld = unlabelled_public or ch.get("reason_withheld", False)
    return ChangeItem(
        reference,
        _recorded_on(ch["recorded_on"]),
        ch["old_status"],
        ch["new_status"],
        _date(ch["effective_date"]),
        "" if withheld else ch["reason"],
        ch.get("on_reference", ""),
        reason_withheld=withheld,
        reason_sensitivity="" if withheld else ch.get("reason_sensitivity", ""),
    )


def summary_from_dict(data: dict) -> Summary:
    """Rebuild a Summary from its JSON shape, to render a frozen, published summary.

    Schema 1 (published before follow-up periods) is read too: its statuses are on the last
    day of the reporting period, and its public view held internal evidence. Before schema 3
    texts had no sensitivity (every one was internal), so the reasons and narratives of an
    older public summary are withheld as they are read.
    """
    version = data.get("schema_version", 1)
    audience = data["audience"] if version >= 2 else None
    # Texts of a public summary published before they had a sensitivity were internal.
    unlabelled_public = version < 3 and audience == "public"
    countries = []
    for c in data["countries"]:
        rows = []
        for r in c["recommendations"]:
            a = r["assessment"]
            rows.append(
                RecommendationRow(
                    id=r["id"],
                    reference=r["reference"],
                    number=r["number"],
                    text=r["text"],
                    translations=dict(r.get("translations") or {}),
                    pillar=r["pillar"],
                    status_at_start=r.get("status_at_start", r.get("status_previous")),
                    status=r["status"],
                    link_kind=r["link_kind"],
                    predecessor_reference=r["predecessor"] or "",
                    assessment=_assessment_from_dict(a, unlabelled_public) if a else None,
                    evidence=[
                        EvidenceItem(
                            e["id"],
                            e["title"],
                            e["source_type"],
                            e["source_name"],
                            e["url"],
                            _date(e["date"]),
                            e["direction"],
                            e["sensitivity"],
                        )
                        for e in r["evidence"]
                    ],
                    changes=[
                        _change_from_dict(r["reference"], ch, unlabelled_public)
                        for ch in r["changes"]
                    ],
                )
            )
        countries.append(
            CountrySummary(
                name=c["name"],
                slug=c["slug"],
                code=c["code"],
                tier=c["tier"],
                report_title=c["report_title"],
                tier_history=[(t["year"], t["tier"]) for t in c["tier_history"]],
                history=[_point_from_dict(p) for p in c["history"]],
                recommendations=rows,
                dropped=[
                    DroppedRow(
                        d["reference"],
                        d["number"],
                        d["text"],
                        d["pillar"],
                        d["status"],
                        d.get("year", 0),
                    )
                    for d in c["dropped"]
                ],
                totals=_totals_from_dict(c["totals"]),
                previous_year=c.get("previous_year"),
            )
        )
    if version < 2:
        period = data["reporting_period"]
        as_of = _date(period["end"])
        audience = "restricted" if data["includes_restricted_evidence"] else "internal"
    else:
        period = data["follow_up_period"]
        as_of = _date(data["as_of"])
    return Summary(
        year=data["year"],
        period_start=_date(period["start"]),
        period_end=_date(period["end"]),
        as_of=as_of,
        audience=audience,
        country_slug=data["scope"]["country"],
        scope_name=data["scope"]["name"] if data["scope"]["country"] else ALL_COUNTRIES_NAME,
        countries=countries,
        totals=_totals_from_dict(data["totals"]),
        history=[_point_from_dict(p) for p in data["history"]],
        schema_version=version,
    )


# --- Comparing a published summary with the current figures ---------------------------------


@dataclass
class CountDifference:
    """One count that differs between the published summary and the current figures."""

    scope: str
    group: str
    label: str
    published: int
    current: int

    @property
    def delta(self) -> int:
        return self.current - self.published


@dataclass
class StatusDifference:
    """A recommendation whose status differs (or which appeared or disappeared) since publishing."""

    country: str
    reference: str
    published: str
    current: str

    @property
    def published_label(self) -> str:
        return STATUS_LABELS.get(self.published, self.published or "—")

    @property
    def current_label(self) -> str:
        return STATUS_LABELS.get(self.current, self.current or "—")


def compare(published: Summary, current: Summary) -> tuple[list, list]:
    """Return the count and per-recommendation status differences between two summaries."""
    counts: list[CountDifference] = []

    def diff_totals(scope: str, old: Totals | None, new: Totals | None):
        old_rows = {(g, c): (label, n) for g, c, label, n in old.rows()} if old else {}
        new_rows = {(g, c): (label, n) for g, c, label, n in new.rows()} if new else {}
        for key in list(old_rows) + [k for k in new_rows if k not in old_rows]:
            label, before = old_rows.get(key, (None, 0))
            label_now, after = new_rows.get(key, (label, 0))
            if before != after:
                counts.append(CountDifference(scope, key[0], label or label_now, before, after))

    diff_totals(published.scope_name, published.totals, current.totals)
    old_countries = {c.slug: c for c in published.countries}
    new_countries = {c.slug: c for c in current.countries}
    statuses: list[StatusDifference] = []
    for slug in list(old_countries) + [s for s in new_countries if s not in old_countries]:
        old, new = old_countries.get(slug), new_countries.get(slug)
        name = (old or new).name
        if len(old_countries) > 1 or len(new_countries) > 1:
            diff_totals(name, old.totals if old else None, new.totals if new else None)
        old_status = {r.reference: r.status for r in (old.recommendations if old else [])}
        new_status = {r.reference: r.status for r in (new.recommendations if new else [])}
        for ref in list(old_status) + [r for r in new_status if r not in old_status]:
            if old_status.get(ref, "") != new_status.get(ref, ""):
                statuses.append(
                    StatusDifference(name, ref, old_status.get(ref, ""), new_status.get(ref, ""))
                )
    return counts, statuses
