"""Optimistic concurrency over HTTP: the version as ETag, ``If-Match`` on every change.

A change without ``If-Match`` answers 428, one whose version is not the current one 412.
"""

from drf_spectacular.utils import OpenApiParameter

from .problems import PreconditionFailed, PreconditionRequired

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of your last GET, e.g. "3" (the version you read).',
)


def etag(version):
    return f'"{version}"'


def expected_version(request, current):
    """The version ``If-Match`` names (``*``: the current one); 428 without it, 412 if it is
    not ``current``."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequired()
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags:
        return current
    for tag in tags:
        value = tag.removeprefix("W/").strip('"')
        if value.isdigit() and int(value) == current:
            return current
    raise PreconditionFailed()
