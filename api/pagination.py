"""Cursor pagination: stable pages however fast rows are added, no counts, no deep OFFSET.

A cursor is what a `next` or `previous` link carries; one that this API did not give out (bad
base64, an offset or direction that is no number, a position that is not a value of the
list's order) is refused with a 400 naming `cursor` before any query (`tiptracker.lib.inputs`).
"""

import datetime
from urllib import parse

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from rest_framework.pagination import Cursor as Position
from rest_framework.pagination import CursorPagination

from tiptracker.lib import inputs

_NOT_GIVEN_OUT = "“cursor” is not one this API gave out: follow the next and previous links."


class Cursor(CursorPagination):
    """Pages of `page_size` (at most 200) in the view's `cursor_ordering` (default: by id)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("pk",)

    def get_ordering(self, request, queryset, view):
        return tuple(getattr(view, "cursor_ordering", self.ordering))

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        tokens = parse.parse_qs(inputs.base64_text(encoded, name="cursor"), keep_blank_values=True)
        offset = inputs.whole_number(
            tokens.get("o", ["0"])[0], name="cursor", minimum=0, maximum=self.offset_cutoff
        )
        reverse = inputs.whole_number(
            tokens.get("r", ["0"])[0], name="cursor", minimum=0, maximum=1
        )
        position = tokens.get("p", [None])[0]
        if position is not None:
            self._check_position(position)
        return Position(offset=offset, reverse=bool(reverse), position=position)

    def _check_position(self, position: str) -> None:
        """Refuse a position that the list's ordering field could not hold."""
        name = self.ordering[0].lstrip("-")
        meta = self._model._meta
        field = meta.pk if name == "pk" else meta.get_field(name)
        if "\x00" in position:
            raise inputs.BadInput(_NOT_GIVEN_OUT, name="cursor")
        if isinstance(field, models.IntegerField | models.AutoField):
            inputs.whole_number(
                position, name="cursor", minimum=-inputs.MAX_ID, maximum=inputs.MAX_ID
            )
            return
        try:
            value = field.to_python(position)
        except ValidationError:
            raise inputs.BadInput(_NOT_GIVEN_OUT, name="cursor") from None
        # A time given out carries its zone; one without was made up.
        if value is None or (isinstance(value, datetime.datetime) and timezone.is_naive(value)):
            raise inputs.BadInput(_NOT_GIVEN_OUT, name="cursor")

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["results", "next", "previous"]
        for link in ("next", "previous"):
            answer["properties"][link]["example"] = (
                f"https://tracker.example.org/api/v1/recommendations/?{self.cursor_query_param}"
                "=cD00ODY%3D"
            )
        return answer
