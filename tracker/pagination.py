"""Pages of the long lists whose cost does not grow with the data: keyset pages, cheap counts.

A page reached by `?after=<id>` or `?before=<id>` starts from that row's place in the list's
order: the database walks the order's index from there and reads one page, however deep,
where `OFFSET` would walk every row before it. `?page=last` reads the order backwards.
Numbered pages (`?page=N`) still work; the Next and Previous links use keysets. A page past the
end is the last page; a page or cursor that is not one (`?page=abc`, `?after=-1`) is refused
with a 400 that says so (`tiptracker.lib.inputs`).

Counting every match of a large list is most of its cost on PostgreSQL, so past
`LIST_EXACT_COUNT_LIMIT` matches the planner's estimate is shown instead, said as "about N".
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import IntegerField, Q
from django.db.models.expressions import RawSQL
from django.db.models.query import FlatValuesListIterable
from django.utils import formats
from django.utils.translation import gettext

from tiptracker.lib import inputs


@dataclass
class Count:
    """How many rows match: exactly, or the planner's estimate past the limit."""

    value: int
    exact: bool = True
    # Counted past the limit, and the planner's estimate no higher: all that is known is that
    # there are more rows than the limit, and the page says so rather than guess.
    past: int | None = None

    def __str__(self) -> str:
        if self.exact:
            return str(self.value)
        if self.past is not None:
            number = formats.number_format(self.past, force_grouping=True)
            return gettext("more than %(count)s") % {"count": number}
        # The estimate in the active language's words and digit grouping ("about 12,000").
        number = formats.number_format(_round(self.value), force_grouping=True)
        return gettext("about %(count)s") % {"count": number}

    def __eq__(self, other) -> bool:
        # An exact count is its number; an estimate equals no number.
        if isinstance(other, int):
            return self.exact and self.value == other
        return NotImplemented

    __hash__ = None


def _round(value: int) -> int:
    """Round to two significant figures: an estimate claims no more than that."""
    if value < 100:
        return value
    scale = 10 ** (len(str(value)) - 2)
    return round(value / scale) * scale


def count_rows(queryset) -> Count:
    """Count `queryset`, reading at most the limit's worth of rows; past it, estimate.

    On PostgreSQL the planner is asked for its estimate whatever the count, so a page takes
    the same queries however many rows match; the question costs a plan, not a scan.
    """
    counted = _Counted(queryset)
    return counted.finish(counted.matched_alone())


class _Counted:
    """The count of a list's rows, read in the same statement as the page's first keys.

    The count is a subquery of the page's query (computed once, not per row); only when the
    page is empty is it asked on its own.
    """

    def __init__(self, rows):
        self.rows = rows
        self.connection = connections[rows.db]
        self.flat = rows._iterable_class is FlatValuesListIterable
        self.value: Count | None = None

    def _matching(self):
        matching = self.rows.order_by().values("pk")
        if self.connection.vendor == "postgresql":
            return matching[: settings.LIST_EXACT_COUNT_LIMIT + 1]
        return matching

    def _expression(self) -> RawSQL | None:
        """Return the count as a subquery of the page's statement.

        On PostgreSQL it reads at most the limit's worth of rows, and past the limit it is the
        planner's estimate (`_counted`): the list's query goes to `tracker_row_estimate`
        (migration 0032) as one text parameter, its values quoted by the driver, so nothing in
        it is read as SQL. The estimate is asked only past the limit, and the list's query is
        compiled once for both.
        """
        try:
            sql, params = self.rows.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a list that can hold nothing (a refused search)
            return None
        if self.connection.vendor != "postgresql":
            return RawSQL(
                f"SELECT COUNT(*) FROM ({sql}) matched", params, output_field=IntegerField()
            )
        limit = settings.LIST_EXACT_COUNT_LIMIT
        return RawSQL(
            "SELECT CASE WHEN n <= %s THEN n ELSE GREATEST(n, tracker_row_estimate(%s)) END "
            f"FROM (SELECT COUNT(*) AS n FROM ({sql} LIMIT %s) matched) counted",
            [limit, self._text(sql, params), *params, limit + 1],
            output_field=IntegerField(),
        )

    def _text(self, sql: str, params) -> str:
        import psycopg

        self.connection.ensure_connection()
        return psycopg.ClientCursor(self.connection.connection).mogrify(sql, params)

    def _estimate(self) -> RawSQL | None:
        """Return the planner's estimate of the rows as a statement of its own (PostgreSQL)."""
        try:
            sql, params = self.rows.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return None
        return RawSQL(
            "SELECT tracker_row_estimate(%s)",
            [self._text(sql, params)],
            output_field=IntegerField(),
        )

    def matched_alone(self) -> int:
        return self._matching().count()

    def known(self) -> Count:
        """Return the count, asking for it alone if no page has read it."""
        if self.value is None:
            self.finish(self.matched_alone())
        return self.value

    def fetch(self, ordered, start: int, stop: int) -> list:
        """Return the rows `start:stop` of `ordered` (`rows` in an order), and count `rows`
        in the same statement the first time."""
        if self.value is not None:
            return list(ordered[start:stop])
        expression = self._expression()
        if expression is None:
            self.value = Count(0)
            return []
        annotated = ordered.annotate(matched_rows=expression)
        if self.flat:
            got = list(annotated.values_list("pk", "matched_rows")[start:stop])
            result = [pk for pk, _ in got]
            counted = got[0][1] if got else None
        else:
            result = list(annotated[start:stop])
            counted = result[0].matched_rows if result else None
        if counted is None:
            self.finish(self.matched_alone())
        else:
            self._counted(counted)
        return result

    def _counted(self, value: int) -> Count:
        """Record the count the page's statement read: on PostgreSQL, past the limit, the
        planner's estimate (never below the limit, so it cannot pass for an exact count)."""
        limit = settings.LIST_EXACT_COUNT_LIMIT
        if self.connection.vendor == "postgresql" and value > limit:
            # One past the limit: what was counted, the estimate no higher.
            self.value = Count(value, exact=False, past=limit if value == limit + 1 else None)
        else:
            self.value = Count(value)
        return self.value

    def finish(self, matched: int, estimated: int | None = None) -> Count:
        """Record `matched` (capped at the limit on PostgreSQL), or past it the estimate,
        asking the planner for it unless `estimated` is given."""
        limit = settings.LIST_EXACT_COUNT_LIMIT
        if self.connection.vendor != "postgresql":
            self.value = Count(matched)
            return self.value
        if estimated is None:
            expression = self._estimate()
            if expression is None:
                self.value = Count(matched)
                return self.value
            with self.connection.cursor() as cursor:
                cursor.execute(*expression.as_sql(None, self.connection))
                estimated = cursor.fetchone()[0]
        if matched <= limit:
            self.value = Count(matched)
        elif estimated > matched:
            self.value = Count(estimated, exact=False)
        else:
            self.value = Count(matched, exact=False, past=limit)
        return self.value


@dataclass
class KeysetPage:
    """One page of a list, however it was reached, and the links to its neighbours."""

    object_list: list[Any]
    count: Count
    more_after: bool
    more_before: bool
    number: int | None = None
    num_pages: int | None = None
    first_url: str = ""
    previous_url: str = ""
    next_url: str = ""
    last_url: str = ""

    def has_next(self) -> bool:
        return self.more_after

    def has_previous(self) -> bool:
        return self.more_before

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def _url(query, **changes) -> str:
    query = query.copy()
    for key in ("page", "after", "before", "format"):
        query.pop(key, None)
    for key, value in changes.items():
        query[key] = value
    return "?" + query.urlencode() if query else "?"


def _after(order: list[str], values: tuple, *, backwards: bool) -> Q:
    """Return the rows strictly after `values` in `order` (before them when `backwards`).

    `order` is a list of field names, "-" for descending, ending with a unique one. The first
    field is also bounded on its own (>= or <=) so the database can start its index scan there.
    """
    names = [name.lstrip("-") for name in order]
    ops = []
    for name in order:
        ascending = not name.startswith("-")
        ops.append("gt" if ascending != backwards else "lt")
    condition = Q()
    for i in range(len(order)):
        step = Q(**{f"{names[j]}": values[j] for j in range(i)})
        step &= Q(**{f"{names[i]}__{ops[i]}": values[i]})
        condition |= step
    start = Q(**{f"{names[0]}__{ops[0][0]}te": values[0]})
    return start & condition


def _cursor(row, field: str) -> str:
    """Return the value a Next or Previous link names `row` by."""
    return str(row if isinstance(row, int) else getattr(row, field))


def _cursor_value(text: str, *, name: str, field: str):
    """Return the cursor `text` as the value of `field` it must be, or raise BadInput."""
    if field == "pk":
        return inputs.record_id(text, name=name)
    return inputs.public_id(text, name=name)


def _page_number(text: str) -> int | str:
    """Return the page asked for: a number (1 if none), or "last"."""
    if not text:
        return 1
    if text == "last":
        return "last"
    # Any number is a page; one past the end is the last.
    return inputs.whole_number(text, name="page", minimum=1, maximum=10**100)


def _reversed(order: list[str]) -> list[str]:
    return [name[1:] if name.startswith("-") else f"-{name}" for name in order]


def _last_page(ordered, order, counted, page_size) -> KeysetPage:
    """Return the last page of `ordered`, read backwards from its end (counted with it)."""
    keys = counted.fetch(ordered.order_by(*_reversed(order)), 0, page_size + 1)
    more = len(keys) > page_size
    return KeysetPage(keys[:page_size][::-1], counted.known(), more_after=False, more_before=more)


def keyset_page(
    rows, request, *, order: list[str], page_size: int, keyset=True, cursor_field="pk"
) -> KeysetPage:
    """Return the page of `rows` (a filtered queryset) that `request` asks for.

    `rows` is ordered here by `order`, which ends with a unique field and, when `keyset` is on,
    holds no nullable one. The page's object_list holds what `rows` yields (model instances,
    or primary keys from a flat values_list). Without `keyset`, pages are numbered only.
    `cursor_field` names a row in the Next and Previous links: its id, or a public identifier
    (`public_id`) where ids must not be shown.
    """
    query = request.GET
    cursor_name = "after" if query.get("after") else "before"
    cursor = query.get(cursor_name, "") if keyset else ""
    # Both are read before any query, so a malformed one changes nothing and costs nothing.
    cursor_value = _cursor_value(cursor, name=cursor_name, field=cursor_field) if cursor else None
    asked = _page_number(query.get("page", ""))
    counted = _Counted(rows)
    ordered = rows.order_by(*order)
    boundary = None
    if cursor_value is not None:
        fields = [name.lstrip("-") for name in order]
        boundary = ordered.filter(**{cursor_field: cursor_value}).values_list(*fields).first()
    page = None
    if boundary is not None:
        backwards = "after" not in query
        keys = counted.fetch(
            (ordered.order_by(*_reversed(order)) if backwards else ordered).filter(
                _after(order, boundary, backwards=backwards)
            ),
            0,
            page_size + 1,
        )
        more = len(keys) > page_size
        keys = keys[:page_size]
        if backwards:
            page = KeysetPage(keys[::-1], None, more_after=True, more_before=more)
        elif keys:
            page = KeysetPage(keys, None, more_after=more, more_before=True)
    if page is None and keyset and (asked == "last" or boundary is not None):
        # Also where a cursor had nothing after it (its row was the last): the last page.
        page = _last_page(ordered, order, counted, page_size)
    if page is None:
        number, keys = asked, []
        # No list holds this many rows, and the offset must fit the database's integers.
        if number != "last" and number * page_size < inputs.MAX_ID:
            start = (number - 1) * page_size
            keys = counted.fetch(ordered, start, start + page_size + 1)
        count = counted.known()
        if count.exact:
            # "last", or a number past the end, is the last page, as a numbered paginator has it.
            last = max(1, -(-count.value // page_size))
            if number == "last" or number > last:
                number = last
                start = (number - 1) * page_size
                keys = list(ordered[start : start + page_size + 1])
            page = KeysetPage(
                keys[:page_size],
                count,
                more_after=number < last,
                more_before=number > 1,
                number=number,
                num_pages=last,
            )
        elif keys or number == 1:
            # An estimate may be far off either way: whether more rows follow is read.
            page = KeysetPage(
                keys[:page_size], count, more_after=len(keys) > page_size, more_before=number > 1
            )
        else:
            # Past the end: the last page, whose number an estimate cannot tell.
            page = _last_page(ordered, order, counted, page_size)
            number = None
    page.count = counted.known()
    if not keyset:
        if number is None:
            # A page of unknown number has no numbered neighbour to link to; the first has one.
            page.first_url = _url(query)
            page.more_before = False
            return page
        if page.more_before:
            page.previous_url = _url(query, page=str(number - 1))
        if page.more_after:
            page.next_url = _url(query, page=str(number + 1))
        return page
    if page.more_before and page.object_list:
        page.first_url = _url(query)
        page.previous_url = _url(query, before=_cursor(page.object_list[0], cursor_field))
    elif page.more_before:
        page.first_url = _url(query)
    if page.more_after:
        page.next_url = _url(query, after=_cursor(page.object_list[-1], cursor_field))
        page.last_url = _url(query, page="last")
    return page
