"""Small helpers shared by the view tests."""


def close_file(response):
    """Finish a download the way a WSGI server does: read it to the end.

    The test client closes a streamed response (and its file) once its content is consumed,
    keeping the database connection; ``response.close()`` instead sends ``request_finished``,
    which closes the connection in the middle of a test on PostgreSQL.
    """
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
