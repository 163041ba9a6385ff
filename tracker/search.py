"""Full-text search across the tracker: the index, the query language and the grouped results.

One index table, `tracker_search`, holds a document per searchable row: on SQLite an FTS5
table, on PostgreSQL a table with a weighted `tsvector` column under a GIN index. Database
triggers on the indexed tables keep it current on every write, whatever the entry point
(services, the importer's bulk inserts, the admin, a restore). A document's row id is
`object id × 8 + kind`, so a trigger finds its document without a scan.

A search is at most `MAX_QUERY_WORDS` words; every word must occur in the document, as a word
or as the start of one. The words go to the database as one parameter, so the query plan is
the same for one word as for ten. Evidence, status reasons and assessment narratives are
filtered by the one visibility rule (`tracker.models.visibility`): the evidence, reasons and
narratives a user may not read are neither found, nor counted, nor quoted.
"""

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Count, Exists, F, Func, Lookup, OuterRef, Q, TextField, Value
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from tiptracker.lib.dates import long_date
from tracker.models import (
    Assessment,
    Country,
    Evidence,
    Finding,
    Recommendation,
    Report,
    SearchDocumentField,
    SearchEntry,
    StatusChange,
    visibility,
)

Kind = SearchEntry.Kind

logger = logging.getLogger(__name__)
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 10
HITS_PER_KIND = 10
# The search page's work is bounded whatever the words: a common prefix matches most of the
# index. On SQLite the best hits of a kind are ranked among its newest `RANKED_MATCHES` matches
# (the index's own order, newest rows first); evidence, which is checked item by item against
# what the user may see, is counted up to `COUNTED_EVIDENCE` and said as "more than" past it.
RANKED_MATCHES = 1000
COUNTED_EVIDENCE = 1000
_STRIDE = 8  # row id = object id × _STRIDE + kind; kinds are 1..7

# Words are runs of letters and digits, as both databases' tokenizers see them.
_WORD = re.compile(r"[^\W_]+")
# Marks around the matched words in a snippet: control characters, which text typed into the
# app does not hold; any that got in are dropped, never turned into markup.
_OPEN, _CLOSE = "\x02", "\x03"
_MARKED = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*){_CLOSE}")


# -- Queries ------------------------------------------------------------------------------


def query_words(value: str) -> list[str]:
    """Return the words of a search; raise ValidationError if it is too long or too many."""
    value = value or ""
    if len(value) > MAX_QUERY_CHARS:
        raise ValidationError(
            gettext(
                "A search can be at most %(limit)s characters long (this one has %(length)s). "
                "Use fewer, more specific words."
            )
            % {"limit": MAX_QUERY_CHARS, "length": f"{len(value):,}"},
            code="search_too_long",
        )
    words = _WORD.findall(value)
    if len(words) > MAX_QUERY_WORDS:
        raise ValidationError(
            gettext(
                "A search can have at most %(limit)s words (this one has %(count)s). "
                "Use fewer, more specific words."
            )
            % {"limit": MAX_QUERY_WORDS, "count": f"{len(words):,}"},
            code="search_too_many_words",
        )
    return words


def validate_query(value: str) -> None:
    """Refuse a search that is too long or has too many words (a form field validator)."""
    query_words(value)


# The report writes American English and many analysts British: the domain's words whose
# spellings differ are one word to a search. Each pair is (British, American) as the start of
# a word, so a query word beginning with either also stands for the other ("labourers" for
# "laborers", "organised" for "organized"). Applied to the query, never to the index.
SPELLINGS = [
    ("labour", "labor"),
    ("organis", "organiz"),
    ("programme", "program"),
    ("defence", "defense"),
    ("offence", "offense"),
    ("licence", "license"),
    ("centre", "center"),
    ("neighbour", "neighbor"),
    ("behaviour", "behavior"),
    ("honour", "honor"),
    ("favour", "favor"),
    ("judgement", "judgment"),
    ("counsell", "counsel"),
    ("travell", "travel"),
    ("criminalis", "criminaliz"),
    ("prioritis", "prioritiz"),
    ("recognis", "recogniz"),
    ("penalis", "penaliz"),
    ("legalis", "legaliz"),
    ("mobilis", "mobiliz"),
    ("harmonis", "harmoniz"),
    ("authoris", "authoriz"),
    ("stigmatis", "stigmatiz"),
    ("victimis", "victimiz"),
]


def spellings(word: str) -> list[str]:
    """Return `word` and its other spelling, if it begins with one of `SPELLINGS`."""
    lower = word.lower()
    for british, american in SPELLINGS:
        # The longer stem first: "programme" begins with "program" too.
        for mine, other in sorted(
            [(british, american), (american, british)], key=lambda p: -len(p[0])
        ):
            if lower.startswith(mine):
                return [word, other + lower[len(mine) :]]
    return [word]


def _match_expression(words: list[str], vendor: str) -> str:
    """Return the words as the database's full-text query: all of them, each as a prefix.

    A word spelt differently in British and American English (`SPELLINGS`) matches either
    spelling. A one-letter word matches only itself: as a prefix it would match most of the
    index.
    """
    if vendor == "postgresql":
        terms = [
            " | ".join(word if len(word) == 1 else f"{word}:*" for word in spellings(word))
            for word in words
        ]
        return " & ".join(term if "|" not in term else f"({term})" for term in terms)
    terms = [
        " OR ".join(f'"{word}"' if len(word) == 1 else f'"{word}"*' for word in spellings(word))
        for word in words
    ]
    # FTS5 ANDs bare phrases by juxtaposition, but a bracketed group needs the operator.
    return " AND ".join(term if " OR " not in term else f"({term})" for term in terms)


@SearchDocumentField.register_lookup
class Match(Lookup):
    """`document__match=expression`: the document contains the full-text query."""

    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} @@ to_tsquery('simple', {rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class Rank(Func):
    """The relevance of a matched document: higher is better; titles weigh more than bodies."""

    output_field = TextField()

    def __init__(self, expression: str):
        super().__init__(F("document"), Value(expression))

    def as_sql(self, compiler, connection, **extra):
        document, params = compiler.compile(self.source_expressions[0])
        query, query_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            return (
                f"ts_rank({document}, to_tsquery('simple', {query}))",
                [*params, *query_params],
            )
        # bm25 is lower for better matches; weights follow the columns: title, body.
        return f"(-bm25({document}, 4.0, 1.0))", params


class Snippet(Func):
    """A passage of the document around the matched words, the words between marks."""

    output_field = TextField()

    def __init__(self, expression: str):
        super().__init__(F("document"), F("title"), F("body"), Value(expression))

    def as_sql(self, compiler, connection, **extra):
        parts = [compiler.compile(expression) for expression in self.source_expressions]
        (document, doc_params), (title, t_params), (body, b_params), (query, q_params) = parts
        if connection.vendor == "postgresql":
            options = (
                f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=30, MinWords=12, "
                'MaxFragments=2, FragmentDelimiter=" … "'
            )
            return (
                f"ts_headline('simple', {title} || ' · ' || {body}, "
                f"to_tsquery('simple', {query}), %s)",
                [*t_params, *b_params, *q_params, options],
            )
        return (
            f"snippet({document}, -1, %s, %s, '…', 24)",
            [*doc_params, _OPEN, _CLOSE],
        )


def highlight(snippet: str) -> SafeString:
    """Return the snippet as HTML: its text escaped, the matched words in `<mark>`."""
    escaped = escape(snippet or "")
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    # Safe: every character of the text was escaped above; only the marks became tags.
    return mark_safe(marked.replace(_OPEN, "").replace(_CLOSE, ""))


def _entries():
    """Return the index with each entry's kind and object id read from its row id.

    FTS5 keeps the row id in its index but the other columns in a separate table: filtering
    or selecting them would read a row of that table for every match. PostgreSQL reads the
    row of every match anyway, and keeps statistics on the `kind` column, not on the row id's
    remainder: filtered by that, it guessed a match of one kind at a two-hundredth of the
    real number and planned the lists' searches for a handful of rows.
    """
    if connection.vendor == "postgresql":
        return SearchEntry.objects.annotate(kind_code=F("kind"), source_id=F("object_id"))
    return SearchEntry.objects.annotate(kind_code=F("id") % _STRIDE, source_id=F("id") / _STRIDE)


def matching(value: str, kind: int):
    """Return the ids of the rows of `kind` whose document matches the search `value`.

    A queryset of ids, for `pk__in=`; the caller has validated `value`.
    """
    words = query_words(value)
    entries = _entries().filter(kind_code=kind)
    if not words:
        return entries.none().values("source_id")
    expression = _match_expression(words, connection.vendor)
    return entries.filter(document__match=expression).values("source_id")


# -- The search page ----------------------------------------------------------------------


@dataclass
class Hit:
    """One search result: the row found, where it lives, and the passage that matched."""

    kind: int
    title: str
    url: str
    snippet: SafeString


@dataclass
class Group:
    """The results of one kind: how many matched, the best of them, and a list to see them all."""

    kind: int
    label: str
    count: int
    hits: list[Hit] = field(default_factory=list)
    list_url: str = ""
    # More than `count` matched: counting stopped there (`COUNTED_EVIDENCE`).
    capped: bool = False
    # More than `RANKED_MATCHES` matched: the hits are the best of the newest that many.
    ranked_of: int | None = None
    # The evidence among the hits, whose title and snippet the results show: the page records
    # the restricted items as read (`services.evidence_record_reads`).
    evidence_shown: list = field(default_factory=list)


# Who may see a kind at all; evidence is further filtered item by item.
_KIND_PERMISSIONS = {
    Kind.RECOMMENDATION: "tracker.view_recommendation",
    Kind.COUNTRY: "tracker.view_country",
    Kind.REPORT: "tracker.view_report",
    Kind.FINDING: "tracker.view_finding",
    Kind.EVIDENCE: "tracker.view_evidence",
    Kind.STATUS_CHANGE: "tracker.view_statuschange",
    Kind.ASSESSMENT: "tracker.view_assessment",
}

# The list page whose `q` searches the same documents.
_LIST_URLS = {
    Kind.RECOMMENDATION: "recommendation_list",
    Kind.REPORT: "report_list",
    Kind.EVIDENCE: "evidence_list",
}


def _visible(user, kind: int) -> Q:
    """Return the condition on entries of `kind` that `user` may see, item by item.

    Empty for kinds everyone who may search them sees whole, and for texts when the user
    sees every text: those need no check of each item.
    """
    if kind == Kind.EVIDENCE:
        return Q(Exists(Evidence.objects.visible_to(user).filter(pk=OuterRef("source_id"))))
    rule = visibility(user)
    if rule.sees_everything:
        return Q()
    if kind == Kind.STATUS_CHANGE:
        rows = StatusChange.objects.with_reason_sensitivity().filter(
            rule.q(sensitivity="reason_sensitivity_now", author="changed_by")
        )
        return Q(Exists(rows.filter(pk=OuterRef("source_id"))))
    if kind == Kind.ASSESSMENT:
        rows = Assessment.objects.with_narrative_sensitivity().filter(
            rule.q(sensitivity="narrative_sensitivity_now", author="author")
        )
        return Q(Exists(rows.filter(pk=OuterRef("source_id"))))
    return Q()


# Kinds whose items are checked one by one against what the user may see.
_CHECKED_KINDS = (Kind.EVIDENCE, Kind.STATUS_CHANGE, Kind.ASSESSMENT)


def _objects(kind: int, ids: list[int], user, shown: list | None = None) -> dict:
    """Fetch the rows behind the hits of one kind: the title and address of each, by id.

    The evidence rows fetched are added to `shown`, when given.
    """
    if kind == Kind.RECOMMENDATION:
        rows = Recommendation.objects.with_report().filter(pk__in=ids)
        return {
            row.pk: (
                f"{row.reference} · {row.report.country} {row.report.year}",
                row.get_absolute_url(),
            )
            for row in rows
        }
    if kind == Kind.COUNTRY:
        rows = Country.objects.filter(pk__in=ids)
        return {row.pk: (row.name, row.get_absolute_url()) for row in rows}
    if kind == Kind.REPORT:
        rows = (
            Report.objects.select_related("country")
            .only("year", "country__name")
            .filter(pk__in=ids)
        )
        return {row.pk: (str(row), row.get_absolute_url()) for row in rows}
    if kind == Kind.FINDING:
        rows = Finding.objects.select_related("report__country").filter(pk__in=ids)
        return {
            row.pk: (
                f"{row.report} · {row.get_section_display()}",
                f"{reverse('report_detail', args=[row.report_id])}#{row.anchor}",
            )
            for row in rows
        }
    if kind == Kind.EVIDENCE:
        rows = Evidence.objects.visible_to(user).filter(pk__in=ids)
        rows = list(rows.only("public_id", "title", "withdrawn_at", "sensitivity"))
        if shown is not None:
            shown.extend(rows)
        return {
            row.pk: (
                gettext("%(title)s (withdrawn)") % {"title": row.title}
                if row.is_withdrawn
                else row.title,
                row.get_absolute_url(),
            )
            for row in rows
        }
    if kind == Kind.STATUS_CHANGE:
        rows = StatusChange.objects.select_related("recommendation", "void").filter(pk__in=ids)
        return {
            row.pk: (
                (
                    gettext("%(reference)s: %(old)s → %(new)s (%(day)s) (voided)")
                    if hasattr(row, "void")
                    else gettext("%(reference)s: %(old)s → %(new)s (%(day)s)")
                )
                % {
                    "reference": row.recommendation.reference,
                    "old": row.get_old_status_display(),
                    "new": row.get_new_status_display(),
                    "day": long_date(row.effective_date),
                },
                row.recommendation.get_absolute_url(),
            )
            for row in rows
        }
    rows = Assessment.objects.select_related("recommendation").filter(pk__in=ids)
    return {
        row.pk: (
            gettext("%(reference)s · assessment %(year)s, %(state)s")
            % {
                "reference": row.recommendation.reference,
                "year": row.year,
                "state": row.get_state_display().lower(),
            },
            reverse("assessment_detail", args=[row.recommendation_id, row.year]),
        )
        for row in rows
    }


def search(value: str, *, user, per_kind: int = HITS_PER_KIND) -> list[Group]:
    """Search everything `user` may see; return the groups that matched, best hits first.

    A bounded number of queries whatever the search: the counts by kind (and the evidence's
    again, when some matched), the best hits of each kind that matched, their snippets, then
    the rows behind the hits of each kind; and bounded work in each (`RANKED_MATCHES`,
    `COUNTED_EVIDENCE`).
    """
    words = query_words(value)
    if not words:
        return []
    expression = _match_expression(words, connection.vendor)
    entries = _entries().filter(document__match=expression)
    kinds = [kind for kind, perm in _KIND_PERMISSIONS.items() if user.has_perm(perm)]
    # Every kind counted in one pass of the index; the evidence, reasons and narratives that
    # matched, counted again as far as the cap among the items the user may see, which are
    # checked one by one (not at all for a user who sees everything).
    counts = dict(
        entries.filter(kind_code__in=kinds)
        .order_by()
        .values_list("kind_code")
        .annotate(n=Count("id"))
    )
    capped = set()
    for kind in _CHECKED_KINDS:
        check = _visible(user, kind)
        if kind not in counts or not check:
            continue
        seen = (
            entries.filter(check, kind_code=kind).order_by().values("id")[: COUNTED_EVIDENCE + 1]
        ).count()
        if seen > COUNTED_EVIDENCE:
            seen = COUNTED_EVIDENCE
            capped.add(kind)
        if seen:
            counts[kind] = seen
        else:
            del counts[kind]
    if not counts:
        return []
    # One query per kind that matched, each checking only its own visibility rule: SQLite's
    # ranking function cannot feed a window function. On SQLite each reads at most the newest
    # `RANKED_MATCHES` of its kind (the row id orders the FTS5 index, which reads it from the
    # newest), with their rank, and the best are picked here: one pass of the index. On
    # PostgreSQL the GIN index yields the matches in no order, so the database ranks them all.
    best, only_newest = [], set()
    for kind in Kind:
        if kind not in counts:
            continue
        of_kind = entries.filter(_visible(user, kind), kind_code=kind).annotate(
            rank=Rank(expression)
        )
        if connection.vendor == "postgresql":
            best += of_kind.order_by("-rank", "id").values_list("id", "kind_code", "source_id")[
                :per_kind
            ]
            continue
        rows = list(
            of_kind.order_by("-id").values_list("id", "kind_code", "source_id", "rank")[
                : RANKED_MATCHES + 1
            ]
        )
        if len(rows) > RANKED_MATCHES:
            rows = rows[:RANKED_MATCHES]
            only_newest.add(kind)
        ranked = sorted(rows, key=lambda row: (-row[3], row[0]))
        best += [row[:3] for row in ranked[:per_kind]]
    snippets = dict(
        SearchEntry.objects.filter(pk__in=[row[0] for row in best], document__match=expression)
        .annotate(snippet=Snippet(expression))
        .values_list("id", "snippet")
    )
    groups = []
    for kind in Kind:
        if kind not in counts:
            continue
        rows = [row for row in best if row[1] == kind]
        group = Group(kind=kind, label=kind.label, count=counts[kind], capped=kind in capped)
        found = _objects(kind, [row[2] for row in rows], user, shown=group.evidence_shown)
        if kind in only_newest:
            group.ranked_of = RANKED_MATCHES
        for entry_id, _, object_id in rows:
            if object_id in found:  # a row deleted since the search began is left out
                title, url = found[object_id]
                group.hits.append(Hit(kind, title, url, highlight(snippets.get(entry_id, ""))))
        if kind in _LIST_URLS:
            group.list_url = reverse(_LIST_URLS[kind])
        groups.append(group)
    return groups


# -- The index's schema and triggers ------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A table whose rows are indexed: the SQL of a document's title and body from its row."""

    kind: int
    table: str
    title: str
    body: str | dict[str, str]
    columns: tuple[str, ...]

    def sql(self, part: str, vendor: str, row: str) -> str:
        expression = getattr(self, part)
        if isinstance(expression, dict):
            expression = expression[vendor]
        return expression.format(row=row)


_SOURCES = [
    Source(
        Kind.RECOMMENDATION,
        "tracker_recommendation",
        "{row}.reference",
        "{row}.text",
        ("reference", "text"),
    ),
    Source(
        Kind.COUNTRY,
        "tracker_country",
        "{row}.name",
        {
            "sqlite": "coalesce(("
            "SELECT group_concat(value, ' ') FROM json_each({row}.aliases)), '')",
            "postgresql": "CASE WHEN jsonb_typeof({row}.aliases) = 'array' THEN coalesce(("
            "SELECT string_agg(value, ' ') FROM jsonb_array_elements_text({row}.aliases)), '') "
            "ELSE '' END",
        },
        ("name", "aliases"),
    ),
    Source(
        Kind.REPORT,
        "tracker_report",
        "{row}.title",
        {
            "sqlite": "{row}.introduction || ' ' || {row}.tier_statement || ' ' || coalesce(("
            "SELECT group_concat(value, ' ') FROM json_each({row}.sections)), '')",
            "postgresql": "{row}.introduction || ' ' || {row}.tier_statement || ' ' || "
            "CASE WHEN jsonb_typeof({row}.sections) = 'object' THEN coalesce(("
            "SELECT string_agg(value, ' ') FROM jsonb_each_text({row}.sections)), '') "
            "ELSE '' END",
        },
        ("title", "introduction", "tier_statement", "sections"),
    ),
    Source(Kind.FINDING, "tracker_finding", "''", "{row}.text", ("text",)),
    Source(
        Kind.EVIDENCE,
        "tracker_evidence",
        "{row}.title",
        "{row}.summary || ' ' || {row}.quote || ' ' || {row}.source_name",
        ("title", "summary", "quote", "source_name"),
    ),
    Source(Kind.STATUS_CHANGE, "tracker_statuschange", "''", "{row}.reason", ("reason",)),
    Source(Kind.ASSESSMENT, "tracker_assessment", "''", "{row}.narrative", ("narrative",)),
]


# While a transaction holds a row of this table for a kind, inserts of that kind are not
# indexed one by one: `indexed_together` indexes them in one statement instead. No other
# transaction ever sees such a row, so writes elsewhere are indexed as always.
_PAUSE = "tracker_search_pause"


@contextmanager
def indexed_together(model, **rows):
    """Index the rows of `model` inserted in the block together, in one statement at its end.

    Indexing row by row costs the database a statement per row; for the tens of thousands of
    findings of a large import, one statement over them all is several times faster. `rows`
    is a filter that selects every row the block inserts (`report_id__in=[...]`). Use inside
    a transaction, which the pause never outlives.
    """
    source = next(s for s in _SOURCES if s.table == model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_PAUSE} (kind) VALUES (%s)", [source.kind])
        yield
        cursor.execute(f"DELETE FROM {_PAUSE} WHERE kind = %s", [source.kind])
        # In id order, without the model's default ordering: SQLite's full-text index writes
        # its pending terms out as a new segment whenever a row id comes lower than the last.
        ids, params = model.objects.filter(**rows).order_by().values("pk").query.sql_with_params()
        cursor.execute(
            _insert(
                source,
                connection.vendor,
                source.table,
                f"{source.table} WHERE {source.table}.id IN ({ids}) ORDER BY {source.table}.id",
            ),
            params,
        )


# FTS5's default for 'automerge': a level's segments are merged once it holds this many.
_AUTOMERGE = 4
# Pages of merged data written per transaction by `merge_segments`.
_MERGE_PAGES = 500


@contextmanager
def merging_deferred():
    """Write the block's documents into the index without merging its segments as they come.

    On SQLite, FTS5 merges segments as it writes ('automerge'), inside the writing
    transaction, holding the database's one write lock. A bulk import writes with merging
    off instead (the setting is changed inside the transaction and restored before it ends,
    so no other connection sees it) and `merge_segments` merges after the commit. Use inside
    a transaction. PostgreSQL's index has no segments: nothing to defer there.
    """
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("merging_deferred() must run inside a transaction.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT v FROM tracker_search_config WHERE k = 'automerge'")
        row = cursor.fetchone()
        cursor.execute("INSERT INTO tracker_search (tracker_search, rank) VALUES ('automerge', 0)")
        try:
            yield
        finally:
            # A transaction that must roll back takes the setting back with it.
            if not connection.needs_rollback:
                cursor.execute(
                    "INSERT INTO tracker_search (tracker_search, rank) VALUES ('automerge', %s)",
                    [row[0] if row else _AUTOMERGE],
                )


def merge_segments(using=connection) -> int:
    """Merge the index's segments as 'automerge' would have; return the transactions it took.

    Each step writes about `_MERGE_PAGES` pages in a short transaction of its own, and the
    steps stop when one changes nothing (FTS5's own rule: a level is merged once it holds
    'usermerge' segments, four unless set). Run after an import written in `merging_deferred`.
    """
    if using.vendor != "sqlite":
        return 0
    steps = 0
    while True:
        with transaction.atomic(using=using.alias), using.cursor() as cursor:
            cursor.execute("SELECT total_changes()")
            before = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO tracker_search (tracker_search, rank) VALUES ('merge', %s)",
                [_MERGE_PAGES],
            )
            cursor.execute("SELECT total_changes()")
            # The command counts as one change; merged pages add more.
            changed = cursor.fetchone()[0] - before >= 2
        steps += 1
        if not changed:
            return steps


def _insert(source: Source, vendor: str, row: str, source_rows: str = "") -> str:
    """Return the SQL that indexes `row` (NEW in a trigger, or every row of `source_rows`)."""
    title, body = source.sql("title", vendor, row), source.sql("body", vendor, row)
    values = f"{row}.id * {_STRIDE} + {source.kind}, {source.kind}, {row}.id, {title}, {body}"
    select = f"SELECT {values} FROM {source_rows}" if source_rows else f"SELECT {values}"
    if vendor == "postgresql":
        # A document left behind (a row id reused after a bulk delete) is replaced, not a clash.
        return (
            f"INSERT INTO tracker_search (rowid, kind, object_id, title, body) {select} "
            "ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body"
        )
    return f"INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) {select}"


def _delete(source: Source, row: str) -> str:
    return f"DELETE FROM tracker_search WHERE rowid = {row}.id * {_STRIDE} + {source.kind}"


def _sqlite_schema() -> list[str]:
    statements = [
        "CREATE VIRTUAL TABLE tracker_search USING fts5("
        "title, body, kind UNINDEXED, object_id UNINDEXED, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
        f"CREATE TABLE {_PAUSE} (kind smallint NOT NULL)",
    ]
    for source in _SOURCES:
        name, table = f"tracker_search_{source.table}", source.table
        columns = ", ".join(source.columns)
        statements += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} "
            f"WHEN NOT EXISTS (SELECT 1 FROM {_PAUSE} WHERE kind = {source.kind}) BEGIN "
            f"{_insert(source, 'sqlite', 'NEW')}; END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {columns} ON {table} BEGIN "
            f"{_delete(source, 'OLD')}; {_insert(source, 'sqlite', 'NEW')}; END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN "
            f"{_delete(source, 'OLD')}; END",
        ]
    return statements


# PostgreSQL's parser reads "PRK-2021-04" as a word and two negative numbers, and a URL or a
# path as one token; SQLite's tokenizer, and the query's words, split at every such mark.
_PG_SEPARATORS = "-‐–—/._@:+#&=?~\\"


# The same characters as a bracket expression (a backslash escapes itself there): replacing
# them by a regular expression gives what `translate` to spaces gives, and on long texts (a
# whole narrative) it costs the server a fraction of `translate`, which walks the list of
# characters to replace for every character of the text.
_PG_SEPARATOR_CLASS = "[" + _PG_SEPARATORS.replace("\\", "\\\\") + "]"


def _pg_words(column: str) -> str:
    return f"to_tsvector('simple', regexp_replace({column}, '{_PG_SEPARATOR_CLASS}', ' ', 'g'))"


def _postgresql_schema() -> list[str]:
    statements = [
        "CREATE TABLE tracker_search ("
        "rowid bigint PRIMARY KEY, kind smallint NOT NULL, object_id bigint NOT NULL, "
        "title text NOT NULL DEFAULT '', body text NOT NULL DEFAULT '', "
        "tracker_search tsvector GENERATED ALWAYS AS ("
        f"setweight({_pg_words('title')}, 'A') || setweight({_pg_words('body')}, 'B')) STORED)",
        "CREATE INDEX tracker_search_document_idx ON tracker_search USING gin (tracker_search)",
        f"CREATE TABLE {_PAUSE} (kind smallint NOT NULL)",
    ]
    for source in _SOURCES:
        name, table = f"tracker_search_{source.table}", source.table
        columns = ", ".join(source.columns)
        statements += [
            # Inserts are indexed once per statement, from the rows it inserted: a bulk insert
            # of thousands of rows costs one INSERT … SELECT, not a function call and a
            # statement per row. (A trigger with a column list cannot see its statement's rows,
            # so updates and deletes stay row by row: they come one at a time anyway.)
            f"CREATE FUNCTION {name}_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF EXISTS (SELECT 1 FROM {_PAUSE} WHERE kind = {source.kind}) THEN RETURN NULL; "
            f"END IF; {_insert(source, 'postgresql', 'inserted', 'inserted')}; "
            "RETURN NULL; END $$",
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS "
            f"inserted FOR EACH STATEMENT EXECUTE FUNCTION {name}_insert()",
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_delete(source, 'OLD')}; "
            f"IF TG_OP = 'UPDATE' THEN {_insert(source, 'postgresql', 'NEW')}; END IF; "
            "RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER DELETE OR UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            # Row triggers do not see TRUNCATE (how tests and tools empty tables).
            f"CREATE FUNCTION {name}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"DELETE FROM tracker_search WHERE kind = {source.kind}; RETURN NULL; END $$",
            f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_truncate()",
        ]
    return statements


def create_index(schema_editor) -> None:
    """Create the index table and its triggers, and index the rows already there."""
    install(schema_editor.connection)


def drop_index(schema_editor) -> None:
    """Remove the index table and its triggers."""
    uninstall(schema_editor.connection)


def install(using=connection) -> None:
    """Create the index on the connection `using` (in a migration: its schema editor's)."""
    statements = _postgresql_schema() if using.vendor == "postgresql" else _sqlite_schema()
    with using.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    rebuild(using)


def uninstall(using=connection) -> None:
    with using.cursor() as cursor:
        for source in _SOURCES:
            name = f"tracker_search_{source.table}"
            if using.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}_insert() CASCADE")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}_truncate() CASCADE")
            else:
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
        cursor.execute("DROP TABLE IF EXISTS tracker_search")
        cursor.execute(f"DROP TABLE IF EXISTS {_PAUSE}")


def _trigger_names(vendor: str) -> set[str]:
    names = set()
    for source in _SOURCES:
        name = f"tracker_search_{source.table}"
        if vendor == "postgresql":
            names |= {name, f"{name}_insert", f"{name}_truncate"}
        else:
            names |= {f"{name}_{event}" for event in ("insert", "update", "delete")}
    return names


def missing_triggers(using=connection) -> list[str]:
    """Return the index's triggers the database lacks (none, unless a table was remade)."""
    with using.cursor() as cursor:
        if using.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
    return sorted(_trigger_names(using.vendor) - present)


def repair_after_migrate(sender, *, using, verbosity=1, **kwargs) -> None:
    """Set the index up again after `migrate` if a migration dropped any of its triggers.

    On SQLite the schema editor remakes a table to add a non-null column, or to alter one, and
    the remade table has no triggers: its rows would silently stop being indexed. Checking after
    every `migrate` keeps the index whole whatever a later migration does.
    """
    using = connections[using]
    if "tracker_search" not in using.introspection.table_names():
        return  # before the index's migration, or after unapplying it
    missing = missing_triggers(using)
    if missing:
        logger.warning(
            "The search index lacked %d trigger(s) after migrate (%s); set up again.",
            len(missing),
            ", ".join(missing),
        )
        with transaction.atomic(using=using.alias):
            uninstall(using)
            install(using)


def rebuild(using=connection) -> None:
    """Index every row again from the tables (after a repair, or to check the triggers)."""
    with using.cursor() as cursor:
        cursor.execute("DELETE FROM tracker_search")
        for source in _SOURCES:
            cursor.execute(_insert(source, using.vendor, source.table, source.table))
