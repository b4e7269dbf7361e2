"""File downloads, the same for pages and the API."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {
    "xlsx": XLSX,
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
}


def attachment(content: bytes | str, filename: str) -> HttpResponse:
    """A response the browser saves as ``filename`` (its suffix picks the content type);
    Chinese names travel in the RFC 6266 ``filename*`` parameter."""
    suffix = filename.rsplit(".", 1)[-1]
    response = HttpResponse(content, content_type=CONTENT_TYPES[suffix])
    fallback = filename if filename.isascii() else f"download.{suffix}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
