"""Lineage: which recommendation of the previous narrative each recommendation continues.

The matching itself is plain Python over lists of texts (`match`, `word_diff`); `link_report` is
the one entry that reads and writes the database, called by the importer whenever a narrative
is created.

How a link is decided:
- texts are compared as lists of normalised words (case, punctuation and spacing ignored), with
  difflib's SequenceMatcher ratio: 1.0 for the same words, 0.0 for nothing in common;
- the pairs are assigned greedily, best score first, each predecessor to one successor at most;
- a pair with the same normalised words is *repeated*; one scoring at least REWORDED_THRESHOLD
  is *reworded*; a recommendation left without a predecessor is *new*;
- lineage looks past a gap: a recommendation that matches nothing in the nearest earlier year
  is matched against the items of up to LOOKBACK_YEARS earlier imported years that nothing
  later continues, so an item missing from one list (or from a cut-off excerpt) links back to
  its last appearance;
- the *previous year* of a narrative is the nearest earlier imported year of its country, and
  an item is *dropped* when no item of the country's next imported year continues it
  (`RecommendationQuerySet.dropped`: computed, never stored). Every page uses these two.

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

from django.db.models import F
from django.utils import timezone

from tracker.models import (
    LineageAncestor,
    Recommendation,
    RecommendationEdit,
    RecommendationStatus,
    Report,
    StatusChange,
    status_on,
)

REWORDED_THRESHOLD = 0.4
LOOKBACK_YEARS = 3

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


def previous_reports(report, limit: int = LOOKBACK_YEARS) -> list[Report]:
    """Return the country's imported narratives before `report`, nearest first, at most `limit`."""
    return list(
        Report.objects.filter(country_id=report.country_id, year__lt=report.year).order_by("-year")[
            :limit
        ]
    )


def _manually_linked_ids(recommendation_ids) -> set[int]:
    return set(
        RecommendationEdit.objects.filter(
            recommendation_id__in=list(recommendation_ids), field="predecessor"
        ).values_list("recommendation_id", flat=True)
    )


def _link_to(report, earlier_reports: list[Report]) -> None:
    """Link `report`'s recommendations to the nearest earlier narrative, then past a gap.

    `earlier_reports` are nearest first. Items that match nothing in the nearest year are
    offered the items of the older years that nothing later continues.
    """
    current = list(report.recommendations.order_by("number"))
    if not current:
        return
    manual = _manually_linked_ids(r.pk for r in current)
    automatic = [r for r in current if r.pk not in manual]
    claimed = {r.predecessor_id for r in current if r.pk in manual and r.predecessor_id}
    for rec in automatic:
        rec.predecessor = None
        # With no earlier narrative imported there is nothing to compare with: the link stays
        # unknown rather than "new", which would claim the recommendation first appeared here.
        rec.link_kind = NEW if earlier_reports else ""
        rec.similarity = None
    remaining = automatic
    for depth, previous in enumerate(earlier_reports):
        if not remaining:
            break
        earlier = list(previous.recommendations.order_by("number"))
        if depth:
            # An older item already continued by a later one is not offered again.
            claimed |= set(
                Recommendation.objects.filter(
                    predecessor__in=earlier, report__year__gt=previous.year
                )
                .exclude(report=report)
                .values_list("predecessor_id", flat=True)
            )
        taken = {i for i, r in enumerate(earlier) if r.pk in claimed}
        links = match([r.text for r in earlier], [r.text for r in remaining], taken=taken)
        unmatched = []
        for rec, link in zip(remaining, links, strict=True):
            if link.predecessor is None:
                if depth == 0:
                    rec.similarity = link.similarity
                unmatched.append(rec)
                continue
            rec.predecessor = earlier[link.predecessor]
            rec.link_kind = link.kind
            rec.similarity = link.similarity
            claimed.add(rec.predecessor.pk)
        remaining = unmatched
    with_history = set(
        StatusChange.objects.filter(recommendation__in=automatic).values_list(
            "recommendation_id", flat=True
        )
    )
    for rec in automatic:
        if rec.pk not in with_history:
            # A carried-over status is the chain's; it waits for an analyst to confirm it.
            rec.needs_review = rec.predecessor is not None
            if rec.predecessor is None:
                rec.initial_status = RecommendationStatus.NO_ACTION
        rec.version += 1
    Recommendation.objects.bulk_update(
        automatic,
        ["predecessor", "link_kind", "similarity", "needs_review", "initial_status", "version"],
    )


def rebuild_ancestry(country_id: int) -> None:
    """Recompute the lineage closure and chain start status of every item of one country.

    Every item of a chain starts from the status its root started with; the cached current
    status is then refreshed from the history. A few queries per country, whatever changed.
    """
    rows = Recommendation.objects.filter(report__country_id=country_id).values_list(
        "pk", "predecessor_id", "initial_status"
    )
    predecessor = {pk: pred for pk, pred, _ in rows}
    initial = {pk: status for pk, _, status in rows}
    links: list[LineageAncestor] = []
    start_of: dict[int, str] = {}
    for pk in predecessor:
        node, depth, seen = pk, 0, set()
        while node is not None and node not in seen:
            links.append(LineageAncestor(recommendation_id=pk, ancestor_id=node, depth=depth))
            seen.add(node)
            root = node
            node = predecessor.get(node)
            depth += 1
        start_of[pk] = initial.get(root, RecommendationStatus.NO_ACTION)
    LineageAncestor.objects.filter(recommendation__report__country_id=country_id).delete()
    LineageAncestor.objects.bulk_create(links, batch_size=1000)
    for status in set(start_of.values()):
        ids = [pk for pk, start in start_of.items() if start == status and initial[pk] != status]
        if ids:
            Recommendation.objects.filter(pk__in=ids).update(initial_status=status)
    refresh_status(Recommendation.objects.filter(report__country_id=country_id))


def refresh_status(recommendations) -> int:
    """Set the cached `status` of `recommendations` to their status today; return rows changed.

    Only rows whose status differs are written, and their version moves on, so a form opened on
    the old status is told it is stale.
    """
    # The ids first: as a subquery, PostgreSQL may compute the status of every row of the
    # table before narrowing it down to these few.
    ids = list(recommendations.values_list("pk", flat=True))
    if not ids:
        return 0
    today = status_on(timezone.localdate(), from_history=True)
    return (
        Recommendation.objects.filter(pk__in=ids)
        .alias(today=today)
        .exclude(status=F("today"))
        .update(status=today, version=F("version") + 1)
    )


def link_report(report) -> None:
    """Link a newly imported narrative to the earlier years, and relink the later ones.

    The later narratives of the country are relinked too, since `report` may now be nearer to
    them (or fill a gap they looked past); their recommendations that an analyst linked by hand
    keep their links. Call inside the importer's transaction.
    """
    later = list(
        Report.objects.filter(country_id=report.country_id, year__gt=report.year).order_by("year")
    )
    _link_to(report, previous_reports(report))
    for successor in later[:LOOKBACK_YEARS]:
        _link_to(successor, previous_reports(successor))
    rebuild_ancestry(report.country_id)
