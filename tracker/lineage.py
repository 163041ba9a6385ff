"""Lineage: which recommendation of the previous narrative each recommendation continues.

The matching itself is plain Python over lists of texts (`match`, `word_diff`); `link_new` is
the entry that reads and writes the database, called by the importer with the recommendations
of the narratives it creates.

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
from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from tracker import bulk
from tracker.models import (
    LineageAncestor,
    Recommendation,
    RecommendationEdit,
    RecommendationStatus,
    Report,
    StatusChange,
    chain_last_effective,
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
    counts_prev = [Counter(words) for words in words_prev]
    scores: list[tuple[float, int, int]] = []
    best = [0.0] * len(current)
    for j, b in enumerate(words_cur):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(b)
        counts = Counter(b)
        # The exact ratio is the costly part. The words two texts share, counted without their
        # order (difflib's quick_ratio), bound it from above, so a pair is scored exactly only
        # while its bound could reach the threshold or beat this item's best score so far: the
        # same links and scores.
        bounds = []
        for i, a in enumerate(words_prev):
            if i in taken:
                continue
            if a == b:
                bounds.append((1.0, i))
                continue
            other = counts_prev[i]
            shared = sum(min(n, other[word]) for word, n in counts.items() if word in other)
            total = len(a) + len(b)
            bounds.append((2.0 * shared / total if total else 1.0, i))
        bounds.sort(key=lambda bound: (-bound[0], bound[1]))
        for bound, i in bounds:
            if bound < REWORDED_THRESHOLD and bound <= best[j]:
                break
            a = words_prev[i]
            matcher.set_seq1(a)
            score = 1.0 if a == b else matcher.ratio()
            best[j] = max(best[j], score)
            if score >= REWORDED_THRESHOLD:
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


def rebuild_ancestry(country_id: int) -> None:
    """Recompute the lineage closure and chain start status of every item of one country.

    Every item of a chain starts from the status its root started with; the cached current
    status is then refreshed from the history. A few queries per country, whatever changed.
    """
    chains = _Chains([], {})
    for pk, year, predecessor, initial in (
        Recommendation.objects.filter(report__country_id=country_id)
        .order_by("report__year", "number")
        .values_list("pk", "report__year", "predecessor_id", "initial_status")
    ):
        chains.add(pk, year, predecessor, initial)
    chains.remember()
    chains.spread_initial_status()
    LineageAncestor.objects.filter(recommendation__report__country_id=country_id).delete()
    bulk.insert_rows(
        LineageAncestor,
        ["recommendation", "ancestor", "depth"],
        [(k, ancestor, depth) for k in chains.predecessor for depth, ancestor in chains.ranks(k)],
    )
    _write_restarted(chains, skip=set())
    refresh_status(Recommendation.objects.filter(report__country_id=country_id))


def refresh_status(recommendations) -> int:
    """Set the cached `status` of `recommendations` to their status today; return rows changed.

    Only rows whose status differs are written, and their version moves on, so a form opened on
    the old status is told it is stale. The latest effective date along each chain
    (`chain_last_effective`, which `status_on` reads) is refreshed with it, without moving
    the version: it is no fact a form shows.
    """
    # The ids first: as a subquery, PostgreSQL may compute the status of every row of the
    # table before narrowing it down to these few.
    return _refresh_ids(list(recommendations.order_by().values_list("pk", flat=True)))


def _refresh_ids(ids: list[int]) -> int:
    """Refresh the cached status of the recommendations with these ids; return rows changed."""
    return _refresh(ids, count=True)


def _refresh_written(ids: list[int]) -> None:
    """Refresh the cached status and chain date of many items, as `_refresh_ids` does."""
    _refresh(ids, count=False)


def _refresh(ids: list[int], *, count: bool) -> int | None:
    """Refresh the cached status and chain date of these items; return the statuses changed.

    Without `count` nothing is counted (and None returned): the importer's thousands of items.

    One UPDATE per chunk: each item's status today and its chain's latest effective date are
    computed once, in a materialized CTE, where two conditional UPDATEs would compute each of
    them twice for every row they change (once to compare, once to set). Only rows whose status
    or date differs are written; the version moves on only with the status, so a form opened on
    the old status is told it is stale. Counting reads each written row's status before the
    statement from the CTE (SQLite's RETURNING may read the CTE only through a subquery).
    """
    today = status_on(timezone.localdate(), from_history=True)
    table = connection.ops.quote_name(Recommendation._meta.db_table)
    # A comparison that treats two nulls as equal (a chain with no change has no date).
    differs = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
    columns = ("pk", "today", "last", "status") if count else ("pk", "today", "last")
    if not count:
        returning = ""
    elif connection.vendor == "sqlite":
        returning = (
            f" RETURNING (SELECT moved.old <> moved.today FROM fresh AS moved "
            f"WHERE moved.id = {table}.id)"
        )
    else:
        returning = " RETURNING fresh.old <> fresh.today"
    changed = 0
    for chunk in bulk.chunks(ids):
        fresh, params = (
            Recommendation.objects.filter(pk__in=chunk)
            .order_by()
            .annotate(today=today, last=chain_last_effective())
            .values_list(*columns)
            .query.sql_with_params()
        )
        names = "id, today, last, old" if count else "id, today, last"
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH fresh ({names}) AS MATERIALIZED ({fresh}) "
                f"UPDATE {table} SET status = fresh.today, "
                f"version = {table}.version "
                f"+ CASE WHEN {table}.status = fresh.today THEN 0 ELSE 1 END, "
                "chain_last_effective = fresh.last "
                f"FROM fresh WHERE {table}.id = fresh.id AND ({table}.status <> fresh.today "
                f"OR {table}.chain_last_effective {differs} fresh.last){returning}",
                params,
            )
            if count:
                changed += sum(bool(moved) for (moved,) in cursor.fetchall())
    return changed if count else None


def _steps(existing: list[int], new: list[int]):
    """Yield what importing the `new` years one by one, earliest first, links at each step.

    Each step is (the new year, [(a year linked, its earlier years nearest first)]): the new
    year, then the next LOOKBACK_YEARS imported years after it, which it may now be nearer to.
    """
    present = set(existing)
    for year in sorted(new):
        present.add(year)
        years = sorted(present)
        later = [y for y in years if y > year][:LOOKBACK_YEARS]
        linked = [
            (y, [e for e in reversed(years) if e < y][:LOOKBACK_YEARS]) for y in (year, *later)
        ]
        yield year, linked


class _Chains:
    """One country's lineage, held in memory while a batch of its narratives is linked.

    Items are keyed by primary key, or by a negative number while not yet written. Only the
    years imported so far are present, as in the database when importing one by one.
    """

    def __init__(self, years, fields: dict[int, dict]):
        self.by_year: dict[int, list[int]] = {year: [] for year in years}
        self.predecessor: dict[int, int | None] = {}
        self.initial: dict[int, str] = {}
        # Link kind, score, review flag and version of the items that may be relinked.
        self.fields = fields
        self.original: tuple[dict, dict] = ({}, {})
        self.relinked: set[int] = set()

    def add(self, key: int, year: int, predecessor: int | None, initial: str) -> None:
        """Add an item, in the order of its number within its year."""
        self.by_year.setdefault(year, []).append(key)
        self.predecessor[key] = predecessor
        self.initial[key] = initial

    def add_ancestry(self, key: int, ancestors: list[int], initial: str) -> None:
        """Add an item older than the years read, with its stored chain (nearest first).

        Such an item and its ancestors are never relinked; they are here so that the chains
        of the items read run to their roots, with the start status they share.
        """
        for node, below in zip([key, *ancestors], [*ancestors, None], strict=True):
            if node in self.predecessor:
                break
            self.predecessor[node] = below
            self.initial[node] = initial

    def remember(self) -> None:
        """Keep the links and start statuses as read, to tell later what changed."""
        self.original = dict(self.predecessor), dict(self.initial)

    def chain(self, key: int) -> list[int]:
        """Return `key` and its ancestors, nearest first, stopping before a loop."""
        out, seen, node = [], set(), key
        while node is not None and node not in seen:
            out.append(node)
            seen.add(node)
            node = self.predecessor.get(node)
        return out

    def link(self, year: int, earlier: list[int], *, text, manual, history) -> None:
        """Link the items of `year` to the `earlier` years (nearest first), then past a gap.

        Items an analyst linked by hand keep their links, and their predecessors are not
        offered again. Items that match nothing in the nearest year are offered the items of
        the older years that nothing later continues.
        """
        current = self.by_year[year]
        automatic = [k for k in current if k not in manual]
        claimed = {self.predecessor[k] for k in current if k in manual and self.predecessor[k]}
        for key in automatic:
            self.predecessor[key] = None
            self.fields[key].update(link_kind=NEW if earlier else "", similarity=None)
        remaining = automatic
        for depth, previous in enumerate(earlier):
            if not remaining:
                break
            candidates = self.by_year[previous]
            if depth:
                # An older item already continued by a later one is not offered again.
                offered = set(candidates)
                claimed |= {
                    self.predecessor[k]
                    for y, keys in self.by_year.items()
                    if y > previous and y != year
                    for k in keys
                    if self.predecessor[k] in offered
                }
            taken = {i for i, k in enumerate(candidates) if k in claimed}
            links = match([text[k] for k in candidates], [text[k] for k in remaining], taken=taken)
            unmatched = []
            for key, link in zip(remaining, links, strict=True):
                if link.predecessor is None:
                    if depth == 0:
                        self.fields[key]["similarity"] = link.similarity
                    unmatched.append(key)
                    continue
                self.predecessor[key] = candidates[link.predecessor]
                self.fields[key].update(link_kind=link.kind, similarity=link.similarity)
                claimed.add(self.predecessor[key])
            remaining = unmatched
        for key in automatic:
            fields = self.fields[key]
            if key not in history:
                fields["needs_review"] = self.predecessor[key] is not None
                if self.predecessor[key] is None:
                    self.initial[key] = RecommendationStatus.NO_ACTION
            fields["version"] += 1
        self.relinked.update(automatic)

    def ranks(self, key: int) -> list[tuple[int, int]]:
        """Return the closure rows of `key`: (depth, ancestor), itself at depth 0."""
        return list(enumerate(self.chain(key)))

    def _along_chains(self, own, inherit) -> dict[int, object]:
        """Return, for every item, a value computed once per item along its chain.

        `own(key)` is the value of a root (an item without a predecessor here); `inherit(key,
        value)` turns the predecessor's value into the item's. Each item is visited once, where
        walking every item's chain from scratch costs the chains' lengths summed. An item whose
        chain ends in a loop gets `own` and `inherit` over `chain()`, which stops before it.
        """
        values: dict[int, object] = {}
        for start in self.predecessor:
            path, on_path, node = [], set(), start
            while node is not None and node not in values and node not in on_path:
                path.append(node)
                on_path.add(node)
                node = self.predecessor.get(node)
            if node is None:
                value = values[path[-1]] = own(path[-1])
                rest = path[-2::-1]
            elif node in values:
                value = values[node]
                rest = path[::-1]
            else:  # a loop
                for key in path:
                    chain = self.chain(key)
                    values[key] = own(chain[-1])
                    for ancestor in chain[-2::-1]:
                        values[key] = inherit(ancestor, values[key])
                continue
            for key in rest:
                value = inherit(key, value)
                values[key] = value
        return {key: values[key] for key in self.predecessor}

    def spread_initial_status(self) -> None:
        """Give every item the status its chain's root started with."""
        no_action = RecommendationStatus.NO_ACTION
        start = self._along_chains(
            lambda root: self.initial.get(root, no_action), lambda key, status: status
        )
        self.initial.update(start)

    def touched(self) -> set[int]:
        """Return the items new or whose chain or start status changed: what to rewrite."""
        old_predecessor, old_initial = self.original
        moved = {k for k, p in self.predecessor.items() if k < 0 or old_predecessor.get(k) != p}
        in_moved_chain = self._along_chains(
            lambda root: root in moved, lambda key, below: below or key in moved
        )
        return {
            k
            for k in self.predecessor
            if old_initial.get(k) != self.initial[k] or in_moved_chain[k]
        }


def link_new(recommendations: list[Recommendation]) -> None:
    """Insert the recommendations of newly imported narratives, linked; relink the later years.

    The links, kinds, scores, review flags, start statuses, closure and cached statuses are
    those that importing the narratives one by one, earliest year first, gives (each linked
    as it arrives, with the country's next imported years relinked after it), but computed
    in memory in one pass per country and written in bulk: a fixed number of queries whether
    the batch holds one narrative or two hundred. Only the items whose chain or start status
    changed have their closure rewritten and their status refreshed. A version moves on once
    per relink and once more if the cached status changed, as one by one; a status that only
    a step in the middle of the batch would have shown is not counted. Each item must have its
    `report` (already written) and `number`; call inside the importer's transaction.
    """
    if not recommendations:
        return
    new_reports = {rec.report_id: rec.report for rec in recommendations}
    country_ids = {report.country_id for report in new_reports.values()}
    report_of: dict[tuple[int, int], int] = {}
    years_of: dict[int, list[int]] = {c: [] for c in country_ids}
    for pk, country_id, year in (
        Report.objects.filter(country_id__in=country_ids)
        .exclude(pk__in=list(new_reports))
        .values_list("pk", "country_id", "year")
    ):
        report_of[country_id, year] = pk
        years_of[country_id].append(year)
    new_years: dict[int, list[int]] = {c: [] for c in country_ids}
    for report in new_reports.values():
        new_years[report.country_id].append(report.year)
    steps = {c: list(_steps(years_of[c], new_years[c])) for c in country_ids}
    # Texts are read for the years matched against; review flags and versions for those relinked.
    read, relinked = set(), set()
    for c, country_steps in steps.items():
        for _, linked in country_steps:
            for year, earlier in linked:
                read.update(report_of[c, y] for y in (year, *earlier) if (c, y) in report_of)
                if (c, year) in report_of:
                    relinked.add(report_of[c, year])

    text: dict[int, str] = {}
    fields: dict[int, dict] = {}
    chains = {c: _Chains(sorted(years_of[c]), fields) for c in country_ids}
    # The items of the years a step links or matches against are read whole; the chains of
    # the older items they continue come from the stored closure, read in one query. Nothing
    # older is relinked or restarted: importing one by one leaves it as it is too.
    in_window, crossing = Q(pk__in=[]), Q(pk__in=[])
    for start, among in _windows(steps).items():
        years = Q(report__country_id__in=among, report__year__gte=start)
        in_window |= years
        crossing |= years & Q(predecessor__report__year__lt=start)
    for pk, country_id, year, predecessor, initial in (
        Recommendation.objects.filter(in_window)
        .order_by("report__year", "number")
        .values_list("pk", "report__country_id", "report__year", "predecessor_id", "initial_status")
    ):
        chains[country_id].add(pk, year, predecessor, initial)
    older = LineageAncestor.objects.filter(
        recommendation__in=Recommendation.objects.filter(crossing).values("predecessor")
    ).order_by("recommendation_id", "depth")
    stored: dict[int, tuple[int, str, list[int]]] = {}
    for key, ancestor, depth, country_id, initial in older.values_list(
        "recommendation_id",
        "ancestor_id",
        "depth",
        "recommendation__report__country_id",
        "recommendation__initial_status",
    ):
        ancestors = stored.setdefault(key, (country_id, initial, []))[2]
        if depth:
            ancestors.append(ancestor)
    for key, (country_id, initial, ancestors) in stored.items():
        chains[country_id].add_ancestry(key, ancestors, initial)
    if read:
        for pk, body, report_id, kind, score, review, version in Recommendation.objects.filter(
            report_id__in=list(read)
        ).values_list(
            "pk", "text", "report_id", "link_kind", "similarity", "needs_review", "version"
        ):
            text[pk] = body
            if report_id in relinked:
                fields[pk] = {
                    "link_kind": kind,
                    "similarity": score,
                    "needs_review": review,
                    "version": version,
                }
    manual: set[int] = set()
    history: set[int] = set()
    if relinked:
        manual = set(
            RecommendationEdit.objects.filter(
                recommendation__report_id__in=list(relinked), field="predecessor"
            ).values_list("recommendation_id", flat=True)
        )
        history = set(
            StatusChange.objects.filter(
                recommendation__report_id__in=list(relinked), void__isnull=True
            ).values_list("recommendation_id", flat=True)
        )

    by_year: dict[tuple[int, int], list[int]] = {}
    keys: dict[int, Recommendation] = {}
    for index, rec in enumerate(recommendations):
        key = -(index + 1)
        keys[key] = rec
        text[key] = rec.text
        fields[key] = {
            "link_kind": rec.link_kind,
            "similarity": rec.similarity,
            "needs_review": rec.needs_review,
            "version": rec.version,
        }
        by_year.setdefault((rec.report.country_id, rec.report.year), []).append(key)
    for country_id, state in chains.items():
        state.remember()
        for year, linked in steps[country_id]:
            state.by_year[year] = []
            for key in sorted(by_year.get((country_id, year), []), key=lambda k: keys[k].number):
                state.add(key, year, None, keys[key].initial_status)
            for linked_year, earlier in linked:
                state.link(linked_year, earlier, text=text, manual=manual, history=history)
            state.spread_initial_status()
    _write_links(chains, keys, fields)


def _windows(steps: dict[int, list]) -> dict[int, list[int]]:
    """Return the countries by the first year their steps link or match against."""
    windows: dict[int, list[int]] = {}
    for country_id, country_steps in sorted(steps.items()):
        start = min(
            y for _, linked in country_steps for year, earlier in linked for y in (year, *earlier)
        )
        windows.setdefault(start, []).append(country_id)
    return windows


def _write_restarted(chains: _Chains, *, skip: set[int]) -> None:
    """Write the start statuses that changed, one UPDATE per status, but for the `skip` items."""
    restarted: dict[str, list[int]] = {}
    for key, status in chains.initial.items():
        if key > 0 and key not in skip and chains.original[1][key] != status:
            restarted.setdefault(status, []).append(key)
    for status, ids in sorted(restarted.items()):
        for chunk in bulk.chunks(ids):
            Recommendation.objects.filter(pk__in=chunk).update(initial_status=status)


def _write_links(chains: dict[int, _Chains], new: dict[int, Recommendation], fields) -> None:
    """Write what `link_new` computed: new items, relinked items, start statuses, closure."""

    def pk_of(key):
        return None if key is None else (key if key > 0 else new[key].pk)

    predecessor: dict[int, int | None] = {}
    initial: dict[int, str] = {}
    touched: set[int] = set()
    relinked: set[int] = set()
    for state in chains.values():
        predecessor.update(state.predecessor)
        initial.update(state.initial)
        touched |= state.touched()
        relinked |= state.relinked
    # New items whose predecessor is new too wait for it: one INSERT per generation.
    pending = sorted(new, reverse=True)
    while pending:
        ready = [k for k in pending if (predecessor[k] or 0) >= 0 or new[predecessor[k]].pk]
        if not ready:
            raise RuntimeError("A lineage loop among new recommendations.")
        for key in ready:
            rec = new[key]
            rec.predecessor_id = pk_of(predecessor[key])
            rec.initial_status = initial[key]
            for name, value in fields[key].items():
                setattr(rec, name, value)
        bulk.insert_objects(Recommendation, [new[k] for k in ready])
        done = set(ready)
        pending = [k for k in pending if k not in done]
    existing = sorted(k for k in relinked if k > 0)
    if existing:
        Recommendation.objects.bulk_update(
            [
                Recommendation(
                    pk=k,
                    predecessor_id=pk_of(predecessor[k]),
                    initial_status=initial[k],
                    **fields[k],
                )
                for k in existing
            ],
            ["predecessor", "link_kind", "similarity", "needs_review", "initial_status", "version"],
        )
    for state in chains.values():
        _write_restarted(state, skip=relinked)
    rewritten = sorted(k for k in touched if k > 0)
    for chunk in bulk.chunks(rewritten):
        LineageAncestor.objects.filter(recommendation_id__in=chunk).delete()
    bulk.insert_rows(
        LineageAncestor,
        ["recommendation", "ancestor", "depth"],
        [
            (pk_of(key), pk_of(ancestor), depth)
            for state in chains.values()
            for key in state.predecessor
            if key in touched
            for depth, ancestor in state.ranks(key)
        ],
    )
    _refresh_written(sorted(pk_of(k) for k in touched))
