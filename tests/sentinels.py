"""A world of marked words, written through the services, for the tests of who reads what.

Every free text and every evidence field that could leak carries a distinct marker
(`ZZ…ZZ`: one word to every tokenizer, unbroken in a PDF). `EXPECTED` says which markers a
summary of each audience holds; everything else (summaries and quotes of evidence, review and
correction reasons, refused texts) must appear in no summary at all.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError

from tests.factories import UserFactory
from tracker import roles, services
from tracker.models import Assessment, Evidence, Recommendation

D = datetime.date
PUBLIC, INTERNAL, RESTRICTED = "public", "internal", "restricted"


def mark(name: str) -> str:
    return f"ZZ{name}ZZ"


# Evidence: each field that a page may show, marked.
EVIDENCE = {
    "EVPUB": PUBLIC,
    "EVINT": INTERNAL,
    "EVRES": RESTRICTED,
    # Logged internal, then made restricted by an administrator.
    "EVSENS": INTERNAL,
}
SUMMARY_FIELDS = ("TITLE", "SOURCE")  # what a summary shows of an item
OTHER_FIELDS = ("SUMMARY", "QUOTE")  # what only the evidence's own pages show

# The markers each summary audience holds (for a reader allowed that audience).
EXPECTED = {
    PUBLIC: {
        "EVPUBTITLE",
        "EVPUBSOURCE",
        "REASONPUB",
        "NARRPUB",
    },
}
EXPECTED[INTERNAL] = EXPECTED[PUBLIC] | {
    "EVINTTITLE",
    "EVINTSOURCE",
    "REASONINTPUBEV",
    "REASONLOWERED",
    "NARRINT",
}
EXPECTED[RESTRICTED] = EXPECTED[INTERNAL] | {
    "EVRESTITLE",
    "EVRESSOURCE",
    "EVSENSTITLE",
    "EVSENSSOURCE",
    "REASONRES",
    "NARRRES",
    "NARRLOWERED",
}
# Written, but in no summary whatever its audience.
NEVER_IN_A_SUMMARY = {
    *(f"{name}{part}" for name in EVIDENCE for part in OTHER_FIELDS),
    "EVPUBSUMMARYTWO",
    "REASONREFUSED",
    "REASONREFUSEDINT",
    "NARRREFUSED",
    "REASONVOIDED",
    "VOIDREASON",
    "LOWERREASON",
    "NARRLOWERREASON",
    "REVIEWNOTE",
    "RETURNNOTE",
    "EVEDITREASON",
    "EVSENSREASON",
    "TEXTCORRECTION",
}
ALL = EXPECTED[RESTRICTED] | NEVER_IN_A_SUMMARY
NARRATIVES = {name for name in ALL if name.startswith("NARR") and "REASON" not in name}


@dataclass
class World:
    """The people and the records of the marked world."""

    country: object
    recs: list
    author: object  # an analyst
    other: object  # another analyst: the restricted sources and texts are theirs
    reviewer: object
    viewer: object
    admin: object
    evidence: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)
    assessments: dict = field(default_factory=dict)
    refusals: dict = field(default_factory=dict)

    def found(self, text: str) -> set[str]:
        """Return the names of the markers found in `text`."""
        return {name for name in ALL if mark(name) in text}


def _log(by, name, sensitivity, recs):
    return services.evidence_log(
        by=by,
        title=f"Report {mark(name + 'TITLE')}",
        summary=f"In short {mark(name + 'SUMMARY')}",
        quote=f"Quoted {mark(name + 'QUOTE')}",
        source_name=f"Source {mark(name + 'SOURCE')}",
        source_type=Evidence.SourceType.NGO,
        direction=Evidence.Direction.NO_CHANGE,
        sensitivity=sensitivity,
        published_on=D(2021, 10, 1),
        recommendations=recs,
    )


def _status(rec, by, name, *, evidence=(), sensitivity=None):
    return services.recommendation_set_status(
        recommendation=rec,
        status=Recommendation.Status.IN_PROGRESS,
        reason=f"Because {mark(name)}",
        reason_sensitivity=sensitivity,
        evidence=evidence,
        effective_date=D(2021, 11, 1),
        by=by,
    )


def _approved(rec, author, reviewer, name, *, evidence=(), sensitivity=None, notes=None):
    assessment = services.assessment_draft(
        recommendation=rec,
        year=2021,
        by=author,
        rating=Assessment.Rating.LIMITED,
        confidence=Assessment.Confidence.MODERATE,
        narrative=f"We judge {mark(name)}",
        narrative_sensitivity=sensitivity,
        evidence=list(evidence),
    )
    services.assessment_submit(assessment=assessment, by=author)
    if notes:
        services.assessment_return(assessment=assessment, by=reviewer, note=notes[0])
        services.assessment_submit(assessment=assessment, by=author)
    note = notes[1] if notes else ""
    return services.assessment_approve(assessment=assessment, by=reviewer, note=note)


def build_world(report) -> World:
    """Write the marked world on the recommendations of `report` (a 2021 narrative)."""
    recs = list(report.recommendations.order_by("number"))
    assert len(recs) >= 8
    world = World(
        country=report.country,
        recs=recs,
        author=UserFactory(username="author", role=roles.ANALYST),
        other=UserFactory(username="other", role=roles.ANALYST),
        reviewer=UserFactory(username="checker", role=roles.REVIEWER),
        viewer=UserFactory(username="reader", role=roles.VIEWER),
        admin=UserFactory(username="root", is_staff=True, is_superuser=True),
    )
    a, b, r = world.author, world.other, world.reviewer
    ev = world.evidence
    ev["EVPUB"] = _log(a, "EVPUB", PUBLIC, recs)
    ev["EVINT"] = _log(a, "EVINT", INTERNAL, recs)
    ev["EVRES"] = _log(b, "EVRES", RESTRICTED, recs)
    ev["EVSENS"] = _log(a, "EVSENS", INTERNAL, recs)
    services.evidence_set_sensitivity(
        evidence=ev["EVSENS"],
        sensitivity=RESTRICTED,
        reason=f"Source at risk {mark('EVSENSREASON')}",
        by=world.admin,
    )
    services.evidence_edit(
        evidence=ev["EVPUB"],
        by=a,
        expected_version=None,
        reason=f"Typo {mark('EVEDITREASON')}",
        summary=f"In short {mark('EVPUBSUMMARYTWO')}",
    )
    services.recommendation_correct_text(
        recommendation=recs[7],
        text=recs[7].text + " (as published)",
        reason=f"Transcription {mark('TEXTCORRECTION')}",
        by=world.admin,
    )

    ch = world.changes
    ch["REASONPUB"] = _status(recs[0], a, "REASONPUB", evidence=[ev["EVPUB"]], sensitivity=PUBLIC)
    # Internal, the default, though it cites public evidence only.
    ch["REASONINTPUBEV"] = _status(recs[1], a, "REASONINTPUBEV", evidence=[ev["EVPUB"]])
    # Citing restricted evidence makes it restricted by itself.
    ch["REASONRES"] = _status(recs[2], b, "REASONRES", evidence=[ev["EVRES"]])
    for name, rec, by, cited in (
        ("REASONREFUSED", recs[3], b, ev["EVRES"]),
        ("REASONREFUSEDINT", recs[3], a, ev["EVINT"]),
    ):
        with pytest.raises(ValidationError) as refused:
            _status(rec, by, name, evidence=[cited], sensitivity=PUBLIC)
        world.refusals[name] = refused.value
    ch["REASONVOIDED"] = _status(recs[4], a, "REASONVOIDED", sensitivity=PUBLIC)
    services.status_change_void(
        change=ch["REASONVOIDED"], reason=f"Wrong item {mark('VOIDREASON')}", by=a
    )
    ch["REASONLOWERED"] = _status(recs[5], a, "REASONLOWERED", sensitivity=PUBLIC)
    services.status_change_set_reason_sensitivity(
        change=ch["REASONLOWERED"],
        sensitivity=INTERNAL,
        reason=f"Names a town {mark('LOWERREASON')}",
        by=r,
    )

    asm = world.assessments
    asm["NARRPUB"] = _approved(
        recs[0],
        a,
        r,
        "NARRPUB",
        evidence=[ev["EVPUB"]],
        sensitivity=PUBLIC,
        notes=(f"Cite more {mark('RETURNNOTE')}", f"Fine {mark('REVIEWNOTE')}"),
    )
    asm["NARRINT"] = _approved(recs[1], a, r, "NARRINT", evidence=[ev["EVINT"]])
    asm["NARRRES"] = _approved(recs[2], b, r, "NARRRES", evidence=[ev["EVRES"]])
    with pytest.raises(ValidationError) as refused:
        services.assessment_draft(
            recommendation=recs[6],
            year=2021,
            by=a,
            rating=Assessment.Rating.LIMITED,
            confidence=Assessment.Confidence.LOW,
            narrative=f"We judge {mark('NARRREFUSED')}",
            narrative_sensitivity=PUBLIC,
            evidence=[ev["EVINT"]],
        )
    world.refusals["NARRREFUSED"] = refused.value
    asm["NARRLOWERED"] = _approved(recs[3], a, r, "NARRLOWERED", sensitivity=PUBLIC)
    services.assessment_set_narrative_sensitivity(
        assessment=asm["NARRLOWERED"],
        sensitivity=RESTRICTED,
        reason=f"Could identify a witness {mark('NARRLOWERREASON')}",
        by=r,
    )
    return world
