"""Cursor pagination on every list: stable under inserts, the same cost on every page."""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Newest first by id (unique, so no row is skipped or repeated between pages)."""

    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 200
