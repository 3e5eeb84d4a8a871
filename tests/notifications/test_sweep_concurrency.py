"""Two reminder sweeps at once on PostgreSQL: every reminder is sent exactly once.

Reminders of every registered rule are due; two threads, each with its own database
connection, run ``send_reminders`` at the same moment (a barrier). The unique key decides
every race: what the two sweeps sent adds up to the due keys, neither sent a key the other
sent, each mail went out once and there is one ``Reminder`` row per key. The race is run a few
times over the same items (the rows deleted in between) to give the sweeps more chances to
interleave. SQLite serialises writers, so this is proven on PostgreSQL only.
"""

import datetime
import threading
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from applications.models import Application
from decisions import services as decision_services
from decisions.models import Decision, DecisionLetter
from notifications import registry
from notifications.models import Reminder
from notifications.reminders import send_reminders
from reviews.models import Assignment
from tests import factories, states

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BERLIN = ZoneInfo("Europe/Berlin")
EACH = 3  # items per situation
RULES = {
    "reviews.review_due",
    "applications.return_due",
    "decisions.decision_due",
    "decisions.proposal_unconfirmed",
    "applications.draft_idle",
    "decisions.letter_unsent",
}
ROUNDS = 3


def tomorrow_at_ten():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(10), tzinfo=BERLIN)


def due_everywhere(now):
    """Items that make every registered rule's reminders due at ``now`` (the day after today).

    Reached through the services; only the dates a rule reads are set directly, as the rules'
    own tests do (the services date everything from today).
    """
    today = timezone.localdate(now)
    for _ in range(EACH):
        # reviews.review_due: a review due today, one 4 and one 9 days overdue
        programme = factories.ProgrammeFactory(reviews_required=3)
        application, _coordinator, reviewers = states.in_review(programme=programme)
        for reviewer, days in zip(reviewers, (0, 4, 9), strict=True):
            Assignment.objects.filter(application=application, reviewer=reviewer).update(
                due_on=today - datetime.timedelta(days=days)
            )
        # applications.return_due: the revision due in two days, and one 8 days overdue
        for days in (2, -8):
            returned = states.returned()
            Application.objects.filter(pk=returned.pk).update(
                return_deadline=today + datetime.timedelta(days=days)
            )
        # decisions.decision_due: awaiting the board for 23 days, and for 36 (the office too)
        for days in (23, 36):
            waiting = states.awaiting_decision()
            Application.objects.filter(pk=waiting.pk).update(
                awaiting_since=now - datetime.timedelta(days=days)
            )
        # decisions.proposal_unconfirmed: proposed 5 days ago
        proposed = states.awaiting_decision()
        proposer, _other = states.deciding_board(proposed)
        decision = decision_services.propose_decision(
            proposer, proposed, "approve", amount=proposed.requested_amount
        )
        Decision.objects.filter(pk=decision.pk).update(proposed_at=now - datetime.timedelta(days=5))
        # applications.draft_idle: a draft untouched for 32 days
        draft = states.draft()
        Application.objects.filter(pk=draft.pk).update(updated_at=now - datetime.timedelta(days=32))
    # decisions.letter_unsent: a letter that failed (rendering a letter takes a moment: one)
    approved = states.approved()
    DecisionLetter.objects.filter(application=approved).update(
        status=DecisionLetter.Status.FAILED,
        attempts=settings.LETTER_RENDER_ATTEMPTS,
        claimed_at=timezone.now(),
        last_error="OSError: the disk is full",
    )


def at_once(actions):
    """Run each callable in its own thread (own connection), released together by a barrier;
    returns their results (or the exceptions they raised)."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def target(index, action):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = action()
        except Exception as error:  # the test inspects what each thread got
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_two_sweeps_at_once_send_every_reminder_once(mailoutbox):
    now = tomorrow_at_ten()
    due_everywhere(now)
    due = set(send_reminders(now=now, dry_run=True))
    kinds = Counter(key.split(":", 1)[0] for key in due)
    # every registered rule has reminders due (a new rule needs a case in due_everywhere)
    assert {rule.name for rule in registry.reminder_rules()} == RULES
    for rule in registry.reminder_rules():
        assert set(rule.kinds) & set(kinds), rule.name
    assert len(due) > 50

    for _round in range(ROUNDS):
        Reminder.objects.all().delete()
        mail.outbox = []

        first, second = at_once([lambda: send_reminders(now=now)] * 2)

        assert not isinstance(first, Exception), first
        assert not isinstance(second, Exception), second
        assert set(first) | set(second) == due
        assert set(first) & set(second) == set()
        assert len(first) + len(second) == len(due)
        sent = Counter((message.to[0], message.subject) for message in mail.outbox)
        assert len(mail.outbox) == len(due)
        assert max(sent.values()) == 1
        rows = Reminder.objects.filter(key__in=due)
        assert rows.count() == Reminder.objects.count() == len(due)
        assert rows.filter(sent_at=now).count() == len(due)
        claims = defaultdict(set)  # each sweep's rows carry its own claim
        for key, claim in rows.values_list("key", "claim"):
            claims[claim].add(key)
        assert sorted(map(sorted, claims.values())) == sorted(
            sorted(keys) for keys in (first, second) if keys
        )

    # and a third sweep afterwards finds them all sent
    assert send_reminders(now=now) == []
