"""Timing helpers: medians in milliseconds, query counts, progress on stderr."""

import statistics
import sys
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def log(message):
    print(message, file=sys.stderr, flush=True)


def queries(func):
    """(number of queries, result) of one call."""
    with CaptureQueriesContext(connection) as captured:
        result = func()
    return len(captured.captured_queries), result


def median_ms(func, repeat=5, warmup=1):
    """Median wall time of ``func()`` in ms (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def elapsed_s(func):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def ratio(value, base):
    return round(value / base, 2) if base else None
