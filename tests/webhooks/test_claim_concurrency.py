"""Two workers deliver the same delivery at the same moment on PostgreSQL: one POST.

Each thread has its own database connection; a barrier starts them together. The conditional
UPDATE (``delivery.claim``) decides the race: exactly one of them posts, the other finds the
row claimed. SQLite serialises writers, so this is proven on PostgreSQL only.
"""

import threading

import pytest
from django.db import connection

from webhooks import delivery, events
from webhooks.models import Delivery

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUNDS = 5
WORKERS = 4
DATA = {"application": {"id": 1, "reference": "RK-2026-0001"}}


def race(delivery_id):
    barrier = threading.Barrier(WORKERS)
    errors = []

    def work():
        try:
            barrier.wait(5)
            delivery.attempt(delivery_id)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []


def test_concurrent_workers_post_a_delivery_once(endpoint, receiver):
    for round_ in range(ROUNDS):
        (row,) = events.record("application.submit", DATA)
        race(row.pk)
        row.refresh_from_db()
        assert (row.status, row.attempts) == (Delivery.Status.DELIVERED, 1)
        assert len(receiver.requests) == round_ + 1
    assert len({r.headers["X-Risikokapital-Delivery"] for r in receiver.requests}) == ROUNDS
