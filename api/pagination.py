"""Cursor pagination: stable pages however fast rows are added, no counts, no deep OFFSET."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Pages of `page_size` (at most 200) in the view's `cursor_ordering` (default: by id)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("pk",)

    def get_ordering(self, request, queryset, view):
        return tuple(getattr(view, "cursor_ordering", self.ordering))

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["results", "next", "previous"]
        for link in ("next", "previous"):
            answer["properties"][link]["example"] = (
                f"https://tracker.example.org/api/v1/recommendations/?{self.cursor_query_param}"
                "=cD00ODY%3D"
            )
        return answer
