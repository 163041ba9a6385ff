"""Pages of the long lists whose cost does not grow with the data: keyset pages, cheap counts.

A page reached by `?after=<id>` or `?before=<id>` starts from that row's place in the list's
order: the database walks the order's index from there and reads one page, however deep,
where `OFFSET` would walk every row before it. `?page=last` reads the order backwards.
Numbered pages (`?page=N`) still work; the Next and Previous links use keysets.

Counting every match of a large list is most of its cost on PostgreSQL, so past
`LIST_EXACT_COUNT_LIMIT` matches the planner's estimate is shown instead, said as "about N".
"""

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q


@dataclass
class Count:
    """How many rows match: exactly, or the planner's estimate past the limit."""

    value: int
    exact: bool = True

    def __str__(self) -> str:
        if self.exact:
            return str(self.value)
        return f"about {_round(self.value):,}"

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
    limit = settings.LIST_EXACT_COUNT_LIMIT
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return Count(queryset.count())
    capped = queryset.order_by().values("pk")[: limit + 1].count()
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a list that can hold nothing (a refused search)
        return Count(capped)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if capped <= limit:
        return Count(capped)
    if isinstance(plan, str):
        plan = json.loads(plan)
    return Count(max(int(plan[0]["Plan"]["Plan Rows"]), capped), exact=False)


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


def _pk(row) -> int:
    return row if isinstance(row, int) else row.pk


def _reversed(order: list[str]) -> list[str]:
    return [name[1:] if name.startswith("-") else f"-{name}" for name in order]


def keyset_page(rows, request, *, order: list[str], page_size: int, keyset=True) -> KeysetPage:
    """Return the page of `rows` (a filtered queryset) that `request` asks for.

    `rows` is ordered here by `order`, which ends with a unique field and, when `keyset` is on,
    holds no nullable one. The page's object_list holds what `rows` yields (model instances,
    or primary keys from a flat values_list). Without `keyset`, pages are numbered only.
    """
    count = count_rows(rows)
    ordered = rows.order_by(*order)
    query = request.GET
    cursor = (query.get("after") or query.get("before") or "") if keyset else ""
    boundary = None
    if cursor.isascii() and cursor.isdigit():
        fields = [name.lstrip("-") for name in order]
        boundary = ordered.filter(pk=int(cursor)).values_list(*fields).first()
    page = None
    if boundary is not None:
        backwards = "after" not in query
        rows = (ordered.order_by(*_reversed(order)) if backwards else ordered).filter(
            _after(order, boundary, backwards=backwards)
        )
        keys = list(rows[: page_size + 1])
        more = len(keys) > page_size
        keys = keys[:page_size]
        if backwards:
            page = KeysetPage(keys[::-1], count, more_after=True, more_before=more)
        elif keys:
            page = KeysetPage(keys, count, more_after=more, more_before=True)
    if page is None and keyset and (query.get("page") == "last" or boundary is not None):
        # Also where a cursor had nothing after it (its row was the last): the last page.
        keys = list(ordered.order_by(*_reversed(order))[: page_size + 1])
        more = len(keys) > page_size
        page = KeysetPage(keys[:page_size][::-1], count, more_after=False, more_before=more)
    if page is None and count.exact:
        paginator = Paginator(ordered, page_size)
        # The count is known already: the paginator must not count again.
        paginator.count = count.value
        numbered = paginator.get_page(query.get("page"))
        page = KeysetPage(
            list(numbered.object_list),
            count,
            more_after=numbered.has_next(),
            more_before=numbered.has_previous(),
            number=numbered.number,
            num_pages=paginator.num_pages,
        )
        number = numbered.number
    elif page is None:
        # An estimate may be far off either way: whether more rows follow is read, not guessed.
        asked = query.get("page", "")
        number = max(int(asked), 1) if asked.isascii() and asked.isdigit() else 1
        keys = list(ordered[(number - 1) * page_size : number * page_size + 1])
        page = KeysetPage(
            keys[:page_size], count, more_after=len(keys) > page_size, more_before=number > 1
        )
    if not keyset:
        if page.more_before:
            page.previous_url = _url(query, page=str(number - 1))
        if page.more_after:
            page.next_url = _url(query, page=str(number + 1))
        return page
    if page.more_before:
        page.first_url = _url(query)
        page.previous_url = _url(query, before=str(_pk(page.object_list[0])))
    if page.more_after:
        page.next_url = _url(query, after=str(_pk(page.object_list[-1])))
        page.last_url = _url(query, page="last")
    return page
