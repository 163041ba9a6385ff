"""THE rule of who may see what carries a sensitivity: evidence, and the free texts about it.

Evidence, a status change's reason and an assessment's narrative each carry a sensitivity of
one vocabulary (public, internal, restricted). One rule decides, for a reader and an audience,
which of them may be shown (DESIGN.md, "Free texts have a sensitivity too"):

- no user (or an anonymous one) means the public view: public things only;
- the server operator (`SERVER_OPERATOR`, a command run on the server) sees everything;
- a reviewer (permission `view_restricted_evidence`) sees everything;
- anyone else sees public and internal things, and the restricted ones they wrote or logged;
- an audience (a summary or an export built for public, internal or restricted readers) keeps
  only its own sensitivities, within what the reader may see: an analyst's own restricted text
  is never in an internal summary.

`Visibility` holds the rule for one reader and audience, as a database condition (`q`, `flag`)
and as a test on one row already read (`allows`); the property test checks that they agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest

from tracker.models.vocabularies import Audience, EvidenceSensitivity

# From the most public to the most sensitive.
SENSITIVITY_ORDER: tuple[str, ...] = (
    EvidenceSensitivity.PUBLIC,
    EvidenceSensitivity.INTERNAL,
    EvidenceSensitivity.RESTRICTED,
)
_RANK = {value: rank for rank, value in enumerate(SENSITIVITY_ORDER)}


def sensitivity_rank(value: str) -> int:
    """Return how sensitive `value` is: 0 for public, up to 2 for restricted."""
    return _RANK[value]


def most_sensitive(*values: str) -> str:
    """Return the most sensitive of `values` (public when there are none)."""
    return max(values, key=sensitivity_rank, default=EvidenceSensitivity.PUBLIC)


class ServerOperator:
    """Whoever runs a command on the server itself (`progress_summary`): not a user account.

    The visibility rule lets the operator see everything; `audience` still decides what a
    summary built for readers holds. Use the one instance, `SERVER_OPERATOR`.
    """

    is_authenticated = True
    pk = None

    def has_perm(self, perm: str) -> bool:
        """Answer yes: whoever runs commands on the server holds the database itself."""
        return True

    def __repr__(self) -> str:
        return "SERVER_OPERATOR"


SERVER_OPERATOR = ServerOperator()


@dataclass(frozen=True)
class Visibility:
    """What one reader may see, for one audience: THE rule, for evidence and for texts.

    `shown` are the sensitivities shown whoever wrote the thing; `own` those shown only to the
    one who wrote it (`user_pk`).
    """

    shown: frozenset[str]
    own: frozenset[str] = frozenset()
    user_pk: int | None = None

    @property
    def sees_everything(self) -> bool:
        return self.shown >= set(SENSITIVITY_ORDER)

    def allows(self, sensitivity: str, author_id: int | None) -> bool:
        """Return whether a thing of `sensitivity` written by `author_id` may be shown."""
        if sensitivity in self.shown:
            return True
        return sensitivity in self.own and author_id is not None and author_id == self.user_pk

    def q(self, *, sensitivity: str = "sensitivity", author: str = "logged_by") -> Q:
        """Return the condition on rows that keeps what may be shown.

        `sensitivity` and `author` name the row's sensitivity (a field or an annotation) and
        who wrote it, as lookups ("evidence__sensitivity", "changed_by").
        """
        if self.sees_everything:
            return Q()
        if not self.own:
            return Q(**{f"{sensitivity}__in": sorted(self.shown)})
        if self.shown | self.own >= set(SENSITIVITY_ORDER):
            # Everything but one's own sensitive rows: the shape the evidence indexes serve.
            return ~Q(**{f"{sensitivity}__in": sorted(self.own)}) | Q(**{author: self.user_pk})
        return Q(**{f"{sensitivity}__in": sorted(self.shown)}) | Q(
            **{f"{sensitivity}__in": sorted(self.own), author: self.user_pk}
        )

    def flag(self, *, sensitivity: str, author: str):
        """Return an expression that is true on the rows that may be shown (for annotations)."""
        if self.sees_everything:
            return Value(True, output_field=BooleanField())
        return Case(
            When(self.q(sensitivity=sensitivity, author=author), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )


def visibility(user=None, *, audience: str | None = None) -> Visibility:
    """Return what `user` may see (for `audience`, if given): see the module's docstring."""
    everything = frozenset(SENSITIVITY_ORDER)
    if user is None or not user.is_authenticated:
        rule = Visibility(frozenset({EvidenceSensitivity.PUBLIC}))
    elif user is SERVER_OPERATOR or user.has_perm("tracker.view_restricted_evidence"):
        rule = Visibility(everything)
    else:
        rule = Visibility(
            frozenset({EvidenceSensitivity.PUBLIC, EvidenceSensitivity.INTERNAL}),
            frozenset({EvidenceSensitivity.RESTRICTED}),
            user.pk,
        )
    if audience is not None:
        kept = frozenset(Audience(audience).sensitivities)
        own = rule.own & kept
        rule = Visibility(rule.shown & kept, own, rule.user_pk if own else None)
    return rule


def text_sensitivity(declared, citations):
    """Return the expression of a free text's sensitivity: THE floor, applied as it is read.

    A text is never less sensitive than the most sensitive evidence it cites, whatever it was
    declared (`declared`, an expression) and whatever happened to the evidence since (an item
    made restricted after it was cited takes its citing texts with it). `citations` are the
    text's rows of the link table to evidence, filtered on the outer row (`OuterRef("pk")`).
    """
    most_cited = Subquery(
        citations.annotate(rank=_ranked(F("evidence__sensitivity")))
        .order_by("-rank")
        .values("evidence__sensitivity")[:1]
    )
    # Each sensitivity is read once: a CASE of one WHEN per sensitivity would repeat the
    # declared one's and the cited one's subqueries in the SQL.
    most = Greatest(_ranked(declared), _ranked(most_cited))
    named = {rank: value for value, rank in _RANK.items()}
    return _SimpleCase(most, named, default=EvidenceSensitivity.PUBLIC, output=CharField())


def _ranked(sensitivity):
    """How sensitive a sensitivity is: 0 for public (or none), up to 2 for restricted."""
    return _SimpleCase(sensitivity, _RANK, default=0, output=IntegerField())


class _SimpleCase(Func):
    """CASE value WHEN key THEN result … ELSE default END: the value is read once."""

    def __init__(self, value, results: dict, *, default, output):
        super().__init__(value, output_field=output)
        self.results, self.default = results, default

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        whens = " ".join("WHEN %s THEN %s" for _ in self.results)
        pairs = [p for key, result in self.results.items() for p in (key, result)]
        return f"CASE {sql} {whens} ELSE %s END", (*params, *pairs, self.default)
