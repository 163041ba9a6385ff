"""Lineage: which recommendation of the previous narrative each recommendation continues.

The matching itself is plain Python over lists of texts (`match`, `word_diff`); `link_report` is
the one entry that reads and writes the database, called by the importer whenever a narrative
is created.

How a link is decided:
- texts are compared as lists of normalised words (case, punctuation and spacing ignored), with
  difflib's SequenceMatcher ratio: 1.0 for the same words, 0.0 for nothing in common;
- the pairs are assigned greedily, best score first, each predecessor to one successor at most;
- a pair with the same normalised words is *repeated*; one scoring at least REWORDED_THRESHOLD
  is *reworded*; a recommendation left without a predecessor is *new*; a predecessor left
  without a successor is *dropped* (computed, never stored).

REWORDED_THRESHOLD = 0.4 comes from the real North Korea lists of 2018, 2020, 2021 and 2022
(fixtures/): every pair an analyst reads as the same recommendation scores 0.44 or more (the
lowest is 2018 "criminalize human trafficking" against "Criminalize sex trafficking and labor
trafficking"), while the best wrong candidate of any recommendation never scores above 0.29.
0.4 sits in that gap, nearer the true pairs, so a short recommendation that gained words is still
found while unrelated items sharing stock phrases ("trafficking victims") stay apart.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from tracker.models import (
    Recommendation,
    RecommendationEdit,
    RecommendationStatus,
    Report,
    StatusChange,
)

REWORDED_THRESHOLD = 0.4

REPEATED = "repeated"
REWORDED = "reworded"
NEW = "new"

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def normalise_words(text: str) -> list[str]:
    """Return the words of `text`, case-folded, without punctuation ("state-sponsored" is two)."""
    return re.findall(r"[^\W_]+", text.translate(_QUOTES).casefold())


def similarity(old: str, new: str) -> float:
    """Return how alike two texts are, from 0.0 to 1.0, over their normalised words."""
    a, b = normalise_words(old), normalise_words(new)
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Link:
    """The lineage of one recommendation: its predecessor's index (or None), kind and score.

    For a *new* recommendation `similarity` is the best score any predecessor reached, so the
    page can show why none was close enough.
    """

    predecessor: int | None
    kind: str
    similarity: float


def match(previous: list[str], current: list[str], *, taken: set[int] = frozenset()) -> list[Link]:
    """Link each text of `current` to at most one text of `previous`, best pairs first.

    `taken` holds indexes of `previous` already claimed (by an analyst's correction) and so not
    offered again. Ties are broken by closeness of position in the lists, then by order, so the
    result does not depend on dictionary or set ordering.
    """
    words_prev = [normalise_words(t) for t in previous]
    words_cur = [normalise_words(t) for t in current]
    scores: list[tuple[float, int, int]] = []
    best = [0.0] * len(current)
    for j, b in enumerate(words_cur):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(b)
        for i, a in enumerate(words_prev):
            if i in taken:
                continue
            matcher.set_seq1(a)
            score = 1.0 if a == b else matcher.ratio()
            best[j] = max(best[j], score)
            scores.append((score, i, j))
    scores.sort(key=lambda s: (-s[0], abs(s[1] - s[2]), s[2], s[1]))
    used_prev: set[int] = set()
    links: dict[int, Link] = {}
    for score, i, j in scores:
        if score < REWORDED_THRESHOLD:
            break
        if i in used_prev or j in links:
            continue
        used_prev.add(i)
        kind = REPEATED if words_prev[i] == words_cur[j] else REWORDED
        links[j] = Link(predecessor=i, kind=kind, similarity=round(score, 4))
    return [
        links.get(j, Link(predecessor=None, kind=NEW, similarity=round(best[j], 4)))
        for j in range(len(current))
    ]


def dropped(previous_count: int, links: list[Link]) -> list[int]:
    """Return the indexes of the previous texts that no current text continues."""
    continued = {link.predecessor for link in links if link.predecessor is not None}
    return [i for i in range(previous_count) if i not in continued]


def _display_tokens(text: str) -> list[str]:
    return text.split()


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Return the word-level diff from `old` to `new` as (op, text) runs.

    `op` is "equal", "delete" or "insert"; a replaced run is a delete followed by an insert.
    Words are compared without case or surrounding punctuation, so "abroad." equals "abroad",
    and shown as written in the newer text (the older one for deletions).
    """
    old_tokens, new_tokens = _display_tokens(old), _display_tokens(new)

    def key(token: str) -> str:
        return " ".join(normalise_words(token)) or token

    matcher = difflib.SequenceMatcher(
        None, [key(t) for t in old_tokens], [key(t) for t in new_tokens], autojunk=False
    )
    runs: list[tuple[str, str]] = []

    def add(op: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = " ".join(tokens)
        if runs and runs[-1][0] == op:
            runs[-1] = (op, f"{runs[-1][1]} {text}")
        else:
            runs.append((op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", new_tokens[j1:j2])
        else:
            add("delete", old_tokens[i1:i2])
            add("insert", new_tokens[j1:j2])
    return runs


# --------------------------------------------------------------------------------------------
# The database side
# --------------------------------------------------------------------------------------------


def _manually_linked_ids(recommendation_ids) -> set[int]:
    return set(
        RecommendationEdit.objects.filter(
            recommendation_id__in=list(recommendation_ids), field="predecessor"
        ).values_list("recommendation_id", flat=True)
    )


def _link_to(report, previous) -> None:
    """Link `report`'s recommendations to those of `previous` (or to nothing), carrying over."""
    current = list(report.recommendations.order_by("number"))
    if not current:
        return
    manual = _manually_linked_ids(r.pk for r in current)
    automatic = [r for r in current if r.pk not in manual]
    earlier = list(previous.recommendations.order_by("number")) if previous else []
    claimed_ids = {r.predecessor_id for r in current if r.pk in manual and r.predecessor_id}
    taken = {i for i, r in enumerate(earlier) if r.pk in claimed_ids}
    links = match([r.text for r in earlier], [r.text for r in automatic], taken=taken)
    with_history = set(
        StatusChange.objects.filter(recommendation__in=automatic).values_list(
            "recommendation_id", flat=True
        )
    )
    for rec, link in zip(automatic, links, strict=True):
        predecessor = earlier[link.predecessor] if link.predecessor is not None else None
        rec.predecessor = predecessor
        # With no earlier narrative imported there is nothing to compare with: the link stays
        # unknown rather than "new", which would claim the recommendation first appeared here.
        rec.link_kind = link.kind if previous is not None else ""
        rec.similarity = link.similarity if previous is not None else None
        if rec.pk not in with_history:
            carry_over(rec, predecessor)
        rec.version += 1
    Recommendation.objects.bulk_update(
        automatic,
        [
            "predecessor",
            "link_kind",
            "similarity",
            "initial_status",
            "status",
            "needs_review",
            "version",
        ],
    )


def carry_over(recommendation, predecessor) -> None:
    """Start `recommendation` (not yet saved) from its predecessor's status, flagged for review.

    Only for a recommendation with no recorded status change: once an analyst has stated a
    status, a later relinking never overrides it.
    """
    if predecessor is not None and recommendation.link_kind in (REPEATED, REWORDED):
        recommendation.initial_status = predecessor.status
        recommendation.status = predecessor.status
        recommendation.needs_review = True
    else:
        recommendation.initial_status = RecommendationStatus.NO_ACTION
        recommendation.status = RecommendationStatus.NO_ACTION
        recommendation.needs_review = False


def link_report(report) -> None:
    """Link a newly imported narrative to the nearest earlier year, and relink the next year.

    The next later narrative of the country is relinked when `report` is now nearer to it than
    the year it was linked to; its recommendations that an analyst linked by hand keep their
    links. Call inside the importer's transaction.
    """
    siblings = Report.objects.filter(country_id=report.country_id).exclude(pk=report.pk)
    previous = siblings.filter(year__lt=report.year).order_by("-year").first()
    _link_to(report, previous)
    later = siblings.filter(year__gt=report.year).order_by("year").first()
    if later is not None:
        _link_to(later, report)
