"""The load case (``load``): the deadline hour against ``make serve``'s production stack.

``run()`` seeds its own PostgreSQL database, starts ``bin/serve`` (gunicorn with 2, then 4
workers, Redis db 12), logs every simulated person in, runs locust headless (200 companies
editing and submitting, 10 coordinators listing and searching, 5 board members on the queue)
and returns the steady phase's figures; ``python -m benchmarks.load`` prints them as one JSON
line (``{"load": ...}``). Progress goes to stderr. See ``runner`` for the steps.
"""


def run(workers=None, think=None):
    """The ``load`` figures (``runner.run``): one entry in ``runs`` per gunicorn worker count
    (default 2 and 4); ``think=(low, high)`` for every role instead of the usual think times."""
    from . import runner

    return runner.run(workers or runner.WORKERS, think=think)
