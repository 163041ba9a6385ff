"""The check before publishing: every text and every evidence item a snapshot will hold.

A reviewer publishing a summary confirms what it makes public: each status change's reason and
each assessment's narrative it holds (with who wrote it and what it cites) and each evidence
item (with who logged it). The page and `manage.py publish_summary` show the same check, and
the confirmation names the snapshot's SHA-256, so what is frozen is what was checked.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from reports.published import canonical_json
from reports.summary_shape import Summary
from tiptracker.lib.dates import long_date
from tracker.models import Assessment, Evidence, Finding, StatusChange


@dataclass
class CitedItem:
    """An item of evidence a text cites, with its sensitivity."""

    id: str  # its public identifier
    title: str
    sensitivity: str


@dataclass
class CheckedText:
    """A reason or a narrative the snapshot holds in words."""

    kind: str  # "reason" or "narrative"
    id: int
    country: str
    references: list[str]
    what: str
    text: str
    author: str
    sensitivity: str
    cites: list[CitedItem] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return _("Status change reason") if self.kind == "reason" else _("Assessment narrative")


@dataclass
class CheckedEvidence:
    """An item of evidence the snapshot holds."""

    id: str  # its public identifier, as the summary names it
    title: str
    source: str
    url: str
    date: datetime.date
    sensitivity: str
    logged_by: str
    references: list[str]


@dataclass
class PublicationCheck:
    """What a snapshot of `summary` would hold, for the reviewer to confirm."""

    summary: Summary
    texts: list[CheckedText]
    evidence: list[CheckedEvidence]
    sha256: str

    @property
    def makes_public(self) -> bool:
        return self.summary.audience == "public"

    @property
    def reasons(self) -> list[CheckedText]:
        return [text for text in self.texts if text.kind == "reason"]

    @property
    def narratives(self) -> list[CheckedText]:
        return [text for text in self.texts if text.kind == "narrative"]

    @property
    def withheld_reasons(self) -> int:
        return self.summary.withheld_reasons

    @property
    def withheld_narratives(self) -> int:
        return self.summary.withheld_narratives

    def lines(self) -> list[str]:
        """Return the check as plain lines, for the command's output."""
        verb = "makes public" if self.makes_public else f"holds ({self.summary.audience} audience)"
        out = [
            f"The snapshot {verb} {len(self.texts)} text(s) and {len(self.evidence)} evidence "
            f"item(s); {self.withheld_reasons} reason(s) and {self.withheld_narratives} "
            "narrative(s) are stated without their words."
        ]
        for text in self.texts:
            cites = "; ".join(f"{c.title} ({c.sensitivity})" for c in text.cites) or "nothing"
            out.append(
                f"- {text.kind_label}, {', '.join(text.references)} ({text.what}), "
                f"{text.sensitivity}, written by {text.author}, cites {cites}: {text.text}"
            )
        for item in self.evidence:
            out.append(
                f"- Evidence “{item.title}” ({item.source}, {item.sensitivity}), logged by "
                f"{item.logged_by}, about {', '.join(item.references)}"
            )
        return out


def sha256_of(summary: Summary) -> str:
    """Return the SHA-256 of the snapshot `summary` would be frozen as."""
    return hashlib.sha256(canonical_json(summary).encode("utf-8")).hexdigest()


def publication_check(summary: Summary, *, user=None) -> PublicationCheck:
    """List the texts and the evidence `summary` holds in words, with authors and citations.

    At most six queries whatever the size of the summary: the status changes with their
    authors, their citations, the assessments with their authors, their citations and
    findings, and who logged the evidence. The texts are the summary's own words; the
    citations listed are those `user` may see (a reviewer sees them all).
    """
    change_refs: dict[int, list[str]] = {}
    change_texts: dict[int, tuple] = {}
    assessment_refs: dict[int, tuple] = {}
    evidence_refs: dict[str, list[str]] = {}
    evidence_items = {}
    for country, row in summary.recommendations:
        for change in row.changes:
            if change.reason_withheld or not change.id:
                continue
            change_refs.setdefault(change.id, []).append(row.reference)
            change_texts[change.id] = (country.name, change)
        a = row.assessment
        if a is not None and a.id and not a.narrative_withheld and a.narrative:
            assessment_refs[a.id] = (country.name, row.reference, a)
        for item in row.evidence:
            evidence_refs.setdefault(item.id, []).append(row.reference)
            evidence_items[item.id] = item

    visible = (
        Evidence.objects.visible_to(user)
        .only("pk", "public_id", "title", "sensitivity")
        .order_by("title")
    )
    changes = StatusChange.objects.filter(pk__in=list(change_texts)).select_related("changed_by")
    changes = {
        change.pk: change
        for change in changes.prefetch_related(
            Prefetch("evidence", queryset=visible, to_attr="cited")
        )
    }
    texts = []
    for pk, (country, item) in sorted(
        change_texts.items(), key=lambda pair: (pair[1][0], pair[1][1].effective_date, pair[0])
    ):
        change = changes.get(pk)
        texts.append(
            CheckedText(
                kind="reason",
                id=pk,
                country=country,
                references=change_refs[pk],
                what=_("effective %(day)s: %(old)s → %(new)s")
                % {
                    "day": long_date(item.effective_date),
                    "old": item.old_status_label,
                    "new": item.new_status_label,
                },
                text=item.reason,
                author=change.changed_by.get_username() if change else "",
                sensitivity=item.reason_sensitivity,
                cites=[CitedItem(str(e.public_id), e.title, e.sensitivity) for e in change.cited]
                if change
                else [],
            )
        )
    assessments = {
        a.pk: a
        for a in Assessment.objects.filter(pk__in=list(assessment_refs))
        .select_related("author")
        .prefetch_related(
            Prefetch("evidence", queryset=visible, to_attr="cited"),
            Prefetch("findings", queryset=Finding.objects.order_by("section", "position")),
        )
    }
    for pk, (country, reference, item) in sorted(
        assessment_refs.items(), key=lambda pair: (pair[1][0], pair[1][1])
    ):
        assessment = assessments.get(pk)
        texts.append(
            CheckedText(
                kind="narrative",
                id=pk,
                country=country,
                references=[reference],
                what=_("approved assessment %(year)s, revision %(revision)s: %(rating)s")
                % {"year": summary.year, "revision": item.revision, "rating": item.rating_label},
                text=item.narrative,
                author=assessment.author.get_username() if assessment else "",
                sensitivity=item.narrative_sensitivity,
                cites=[
                    CitedItem(str(e.public_id), e.title, e.sensitivity) for e in assessment.cited
                ]
                if assessment
                else [],
                findings=[
                    f"{f.get_section_display()} #{f.position}" for f in assessment.findings.all()
                ]
                if assessment
                else [],
            )
        )
    logged_by = {
        str(public_id): username
        for public_id, username in Evidence.objects.filter(
            public_id__in=list(evidence_items)
        ).values_list("public_id", "logged_by__username")
    }
    evidence = [
        CheckedEvidence(
            id=item.id,
            title=item.title,
            source=f"{item.source_type_label}: {item.source_name}"
            if item.source_name
            else item.source_type_label,
            url=item.url,
            date=item.date,
            sensitivity=item.sensitivity,
            logged_by=logged_by.get(item.id, ""),
            references=evidence_refs[item.id],
        )
        for item in sorted(evidence_items.values(), key=lambda e: (e.date, e.title, e.id))
    ]
    return PublicationCheck(summary, texts, evidence, sha256_of(summary))
