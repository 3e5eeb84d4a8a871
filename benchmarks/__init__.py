"""Benchmarks for the performance targets of docs/design.md: ``python -m benchmarks``.

Progress goes to stderr; the last line of stdout is one JSON object. The run sets up its own
database (a temporary SQLite file, or ``BENCH_DATABASE_URL``) and never touches ``var/``.
"""
