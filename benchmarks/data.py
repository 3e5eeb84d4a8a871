"""Benchmark data, written in bulk (reaching states through the services would take minutes).
States are set at construction, which ``FSMField(protected=True)`` allows.

Rows are built as unsaved model instances and written by ``insert``: what ``bulk_create``
would write, in a fraction of its time (100,000 applications in seconds, not minutes)."""

import contextlib
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import Application, ApplicationVersion, State
from decisions.models import Decision, DecisionLetter
from funding.models import Membership, Organization, Programme
from reviews.models import Assignment, ConflictDeclaration, Review, Rubric, Score
from reviews.rubric import weighted_total

STATES = [state.value for state in State]
# The organisations' Inklusionsämter in turn (two fifths each, one fifth not stated).
REGIONS = ["rheinland", "westfalen_lippe", "rheinland", "westfalen_lippe", ""]
SUBMITTED_STATES = set(STATES) - {State.DRAFT}
ORGANIZATIONS = 50
REVIEWERS = 20
INSERT_ROWS = 5000  # rows per executemany in ``insert``


@dataclass
class World:
    """The fixed cast (programmes, organisations, users) and a serial for references."""

    programmes: list
    organizations: list
    applicants: dict  # organisation id -> user
    coordinator: object
    board: list
    reviewers: list
    serial: int = 0
    awaiting: list = field(default_factory=list)


# ----- writing rows ----------------------------------------------------------------------------


def insert(objs):
    """Write unsaved instances of one model as ``bulk_create`` would, several times faster.

    The same column values: each field's value as the instance holds it (Django filled in the
    defaults), ``auto_now``/``auto_now_add`` fields set to one moment (as ``bulk_create`` does,
    so ``given_times`` works here too), each prepared by the field (``get_db_prep_save``), but
    each distinct value once per column. Ids are given explicitly, after the table's largest
    (the sequence is moved past them on PostgreSQL); the rows go in by ``executemany`` of one
    statement, in one transaction. Sets each instance's pk (saved, as ``bulk_create`` leaves
    them); returns ``objs``. Like ``bulk_create``: no signals, no ``save()``. Only for a
    database nobody else writes to meanwhile (a benchmark's own).
    """
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(column) for column in [meta.pk.column, *(f.column for f in fields)])
    marks = ", ".join(["%s"] * (len(fields) + 1))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    now = timezone.now()
    getters = [_prepared(field, now) for field in fields]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({quote(meta.pk.column)}) FROM {table}")
        first = (cursor.fetchone()[0] or 0) + 1
        for start in range(0, len(objs), INSERT_ROWS):
            chunk = objs[start : start + INSERT_ROWS]
            cursor.executemany(
                sql,
                [
                    (first + start + i, *[get(obj) for get in getters])
                    for i, obj in enumerate(chunk)
                ],
            )
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)
    alias = connection.alias
    for i, obj in enumerate(objs):
        obj.pk = first + i
        obj._state.adding = False
        obj._state.db = alias
    return objs


def _prepared(field, now):
    """``obj -> the column value`` of ``field``, as ``pre_save`` and ``get_db_prep_save``
    would make it; each distinct (hashable) value prepared once."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = field.get_db_prep_save(now, connection)
        attname = field.attname

        def stamped(obj):
            setattr(obj, attname, now)  # as pre_save leaves it
            return value

        return stamped
    attname, cache = field.attname, {}

    def prepared(obj):
        value = getattr(obj, attname)
        try:
            return cache[value]
        except KeyError:
            cache[value] = field.get_db_prep_save(value, connection)
            return cache[value]
        except TypeError:  # unhashable (a JSON value)
            return field.get_db_prep_save(value, connection)

    return prepared


def users(names, group=None):
    User = get_user_model()
    rows = User.objects.bulk_create(
        [
            User(
                username=name,
                email=f"{name}@example.org",
                first_name=name.capitalize(),
                last_name="Bench",
                password="!",
            )
            for name in names
        ]
    )
    if group:
        Group.objects.get(name=group).user_set.add(*rows)
    return rows


def world():
    programmes = [
        Programme.objects.create(
            name=f"Risikokapitalfonds {n}",
            budget=Decimal("100000000"),
            max_amount=Decimal("150000"),
            opens_on=datetime.date(2020, 1, 1),
        )
        for n in (1, 2)
    ]
    organizations, applicants = companies(0, ORGANIZATIONS)
    return World(
        programmes=programmes,
        organizations=organizations,
        applicants={o.pk: u for u, o in zip(applicants, organizations, strict=True)},
        coordinator=users(["coordinator"], "coordinators")[0],
        board=users(["board1", "board2"], "board"),
        reviewers=users([f"reviewer{n:02d}" for n in range(REVIEWERS)], "reviewers"),
    )


def companies(start, count):
    """``(organisations, applicants)``: ``count`` organisations numbered from ``start``, each
    with its applicant (a member)."""
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Inklusionsbetrieb {n:02d} gGmbH",
                legal_form=Organization.LegalForm.GGMBH,
                register_number=f"HRB {1000 + n}",
                non_profit=True,
                representative="Maria Beispiel",
                address=f"Inklusionsbetrieb {n:02d} gGmbH\nWerkstraße {n}\n50667 Köln",
                contact_email=f"kontakt{n}@example.org",
                iban="DE89370400440532013000",
                region=REGIONS[n % len(REGIONS)],
            )
            for n in range(start, start + count)
        ]
    )
    applicants = users([f"applicant{n:02d}" for n in range(start, start + count)])
    Membership.objects.bulk_create(
        [Membership(user=u, organization=o) for u, o in zip(applicants, organizations, strict=True)]
    )
    return organizations, applicants


def add_companies(w, count):
    """``count`` more organisations (each with its applicant) in ``w``: applications spread
    over all of them (``application`` takes them in turn)."""
    organizations, applicants = companies(len(w.organizations), count)
    w.organizations.extend(organizations)
    w.applicants.update({o.pk: u for u, o in zip(applicants, organizations, strict=True)})
    return organizations


def application(w, state, now, index):
    """An unsaved application of ``state`` with plausible figures and timestamps."""
    w.serial += 1
    organization = w.organizations[index % len(w.organizations)]
    submitted = state in SUBMITTED_STATES
    return Application(  # ids, not instances: about a third faster to build
        programme_id=w.programmes[index % len(w.programmes)].pk,
        organization_id=organization.pk,
        created_by_id=w.applicants[organization.pk].pk,
        reference=f"RK-B-{w.serial:07d}" if submitted else None,
        state=state,
        submission_count=1 if submitted else 0,
        submitted_at=now if submitted else None,
        last_submitted_at=now if submitted else None,
        review_started_at=now if state in (State.IN_REVIEW, State.AWAITING_DECISION) else None,
        awaiting_since=now - datetime.timedelta(days=index % 60)
        if state == State.AWAITING_DECISION
        else None,
        title=f"Neue Großküche für den Standort {w.serial}",
        purpose="Ausbau der Großküche für die Mittagsversorgung von Betrieben der Region.",
        cost_items="Kombidämpfer 40.000 €\nSpülstraße 35.000 €\nUmbau 25.000 €",
        eligible_costs=Decimal("100000.00"),
        planned_start=datetime.date(2027, 3, 1),
        requested_amount=Decimal(40000 + (index % 20) * 1000),
        instrument="loan",
        loan_term_months=84,
        interest_rate=Decimal("1.50"),
        grace_period_months=12,
        own_contribution=Decimal("25000.00"),
        other_funding=Decimal("15000.00"),
        staff_total=20,
        staff_severely_disabled=8,
        jobs_new=2,
        jobs_secured=2,
        cooperation_partner="Stadtwerke Musterstadt GmbH",
        cooperation_description="Kantinenbetrieb für die Belegschaft des Partners.",
        de_minimis_received=Decimal("10000.00"),
    )


def add_applications(w, count, states=STATES):
    """``count`` applications cycling through ``states``; the review data they need."""
    now = timezone.now()
    start = w.serial
    rows = [application(w, states[i % len(states)], now, start + i) for i in range(count)]
    rows = insert(rows)
    awaiting = [a for a in rows if a.state == State.AWAITING_DECISION]
    in_review = [a for a in rows if a.state == State.IN_REVIEW]
    add_review_round(w, awaiting, now)
    add_open_assignments(w, in_review, now)
    w.awaiting.extend(awaiting)
    return rows


def versions(applications, now):
    return insert(
        [
            ApplicationVersion(
                application=a,
                number=1,
                snapshot={"title": a.title},
                submitted_by_id=a.created_by_id,
                submitted_at=now,
                declared_truthful=True,
                declared_de_minimis=True,
                declared_authorized=True,
            )
            for a in applications
        ],
    )


def two_reviewers(w, index):
    return w.reviewers[index % REVIEWERS], w.reviewers[(index + 1) % REVIEWERS]


def add_review_round(w, applications, now):
    """Two done assignments with reviews per application; every third has an open proposal."""
    if not applications:
        return
    assignments, declarations = [], []
    for a in applications:
        for reviewer in two_reviewers(w, a.pk):
            assignments.append(
                Assignment(
                    application=a,
                    reviewer=reviewer,
                    round=1,
                    status=Assignment.Status.DONE,
                    assigned_by=w.coordinator,
                    due_on=now.date(),
                )
            )
            declarations.append(
                ConflictDeclaration(application=a, user=reviewer, round=1, has_conflict=False)
            )
    # The board members declare no conflict too (they read and decide only after that).
    declarations += [
        ConflictDeclaration(
            application=a, user=member, round=1, role="board", kind="none", has_conflict=False
        )
        for a in applications
        for member in w.board
    ]
    assignments = insert(assignments)
    insert(declarations)
    recommendations = list(Review.Recommendation.values)
    confidences = list(Review.Confidence.values)
    rubrics = {
        rubric.programme_id: (rubric, list(rubric.criteria.order_by("position")))
        for rubric in Rubric.objects.filter(version=1)
    }
    points = {}  # assignment index → the points per criterion
    reviews = []
    for i, assignment in enumerate(assignments):
        rubric, criteria = rubrics[assignment.application.programme_id]
        points[i] = [1 + (i + k) % 5 for k in range(len(criteria))]
        reviews.append(
            Review(
                assignment=assignment,
                rubric=rubric,
                total_score=weighted_total(
                    criteria, {c.key: v for c, v in zip(criteria, points[i], strict=True)}
                ),
                confidence=confidences[i % len(confidences)],
                recommendation=recommendations[i % len(recommendations)],
                comment="Tragfähiges Konzept mit nachvollziehbarem Finanzierungsplan.",
            )
        )
    reviews = insert(reviews)
    insert(
        [
            Score(review=review, criterion=criterion, value=value)
            for i, review in enumerate(reviews)
            for criterion, value in zip(
                rubrics[review.assignment.application.programme_id][1], points[i], strict=True
            )
        ],
    )
    proposed = applications[::3]
    insert(
        [
            Decision(
                application=a,
                application_version=version,
                outcome=Decision.Outcome.APPROVE,
                amount=a.requested_amount,
                instrument=a.instrument,
                proposed_by=w.board[1],
            )
            for a, version in zip(proposed, versions(proposed, now), strict=True)
        ],
    )


def add_open_assignments(w, applications, now, spread=(-20, 10)):
    """Two open assignments per application, due dates spread from 20 days ago to in 10 days."""
    low, high = spread
    today = timezone.localdate(now)
    rows = [
        Assignment(
            application=a,
            reviewer=reviewer,
            round=1,
            status=Assignment.Status.OPEN,
            assigned_by=w.coordinator,
            due_on=today + datetime.timedelta(days=low + (a.pk + k) % (high - low + 1)),
        )
        for a in applications
        for k, reviewer in enumerate(two_reviewers(w, a.pk))
    ]
    insert(rows)
    return len(rows)


def approved_letter(w):
    """An approved application with its confirmed decision and a pending letter row."""
    now = timezone.now()
    app = application(w, State.APPROVED, now, 0)
    app.save()
    version = versions([app], now)[0]
    decision = Decision.objects.create(
        application=app,
        application_version=version,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.CONFIRMED,
        amount=app.requested_amount,
        instrument=app.instrument,
        loan_term_months=app.loan_term_months,
        interest_rate=app.interest_rate,
        grace_period_months=app.grace_period_months,
        conditions="Jährlicher Verwendungsnachweis bis zum 31. März des Folgejahres.",
        proposed_by=w.board[0],
        confirmed_by=w.board[1],
        confirmed_at=now,
    )
    return DecisionLetter.objects.create(application=app, decision=decision, number=1)


def analyze():
    """Planner statistics on PostgreSQL (autovacuum would gather them on a live system)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# ----- the applications every reminder rule watches ---------------------------------------------

# Drafts, returned, awaiting the decision, decided (approved or rejected): a quarter each.
WATCHED = [
    State.DRAFT,
    State.RETURNED,
    State.AWAITING_DECISION,
    State.APPROVED,
    State.DRAFT,
    State.RETURNED,
    State.AWAITING_DECISION,
    State.REJECTED,
]
# The days the rules' dates are spread over (index modulo): a few percent of each kind is due
# on any day, as on a live system.
DRAFT_AGE_DAYS = 120  # last change 0–119 days ago (idle after 30 days, reminded for 7)
RETURN_SPREAD = (-30, 60)  # the return deadline 30 days ago … in 59 days
AWAITING_DAYS = 90  # awaiting the decision 0–89 days (reminded after 21 and 35 days)
PROPOSAL_DAYS = 30  # every third awaiting application has an open proposal 0–29 days old
DECIDED_DAYS = 30  # decided 0–29 days ago (a letter not sent an hour later is reminded)
REJECTION_REASONS = "Die Finanzierung ist nicht gesichert."
# Of ten letters: one failed, one rendered but not sent, one uncertain, seven sent.
LETTER_STATUSES = [
    DecisionLetter.Status.FAILED,
    DecisionLetter.Status.RENDERED,
    DecisionLetter.Status.UNCERTAIN,
    *[DecisionLetter.Status.SENT] * 7,
]


def add_watched_applications(w, count, now):
    """``count`` applications in the states the reminder rules watch, their dates spread so
    that each rule has some due at ``now``: drafts (last changed), returned (deadline),
    awaiting the decision (since; board declarations, every third with an open proposal) and
    decided (a confirmed decision and its letter in one of ``LETTER_STATUSES``). No reviews:
    the rules do not read them. Returns the applications."""
    today = timezone.localdate(now)
    start = w.serial
    rows = []
    for i in range(count):
        index = start + i
        app = application(w, WATCHED[index % len(WATCHED)], now, index)
        if app.state == State.RETURNED:
            low, high = RETURN_SPREAD
            app.return_reason = "Bitte ergänzen Sie den Finanzierungsplan."
            app.return_deadline = today + datetime.timedelta(days=low + index % (high - low))
        elif app.state == State.AWAITING_DECISION:
            app.awaiting_since = now - datetime.timedelta(days=index % AWAITING_DAYS)
        rows.append(app)
    rows = insert(rows)
    by_state = {}
    for app in rows:
        by_state.setdefault(app.state, []).append(app)
    # updated_at is auto_now: bulk_create sets it to now, the ages are set afterwards.
    set_spread(
        Application,
        "updated_at",
        [
            (app.pk, now - datetime.timedelta(days=app.pk % DRAFT_AGE_DAYS))
            for app in by_state.get(State.DRAFT, [])
        ],
    )
    awaiting = by_state.get(State.AWAITING_DECISION, [])
    add_board_declarations(w, awaiting)
    add_proposals(w, awaiting[::3], now)
    add_decisions_with_letters(
        w, by_state.get(State.APPROVED, []) + by_state.get(State.REJECTED, []), now
    )
    return rows


def set_spread(model, field, values):
    """``[(pk, value)]``: one UPDATE per distinct value (and per 900 rows)."""
    groups = {}
    for pk, value in values:
        groups.setdefault(value, []).append(pk)
    for value, pks in groups.items():
        for start in range(0, len(pks), 900):
            model.objects.filter(pk__in=pks[start : start + 900]).update(**{field: value})


def add_board_declarations(w, applications):
    """The board members declared no conflict (as before they read and decide)."""
    insert(
        [
            ConflictDeclaration(
                application=a, user=member, round=1, role="board", kind="none", has_conflict=False
            )
            for a in applications
            for member in w.board
        ],
    )


def add_proposals(w, applications, now):
    """An open proposal by the second board member, ``index % PROPOSAL_DAYS`` days old."""
    decisions = insert(
        [
            Decision(
                application=a,
                application_version=version,
                outcome=Decision.Outcome.APPROVE,
                amount=a.requested_amount,
                instrument=a.instrument,
                proposed_by=w.board[1],
            )
            for a, version in zip(applications, versions(applications, now), strict=True)
        ],
    )
    # proposed_at is auto_now_add: set afterwards.
    set_spread(
        Decision,
        "proposed_at",
        [
            (d.pk, now - datetime.timedelta(days=d.application_id % PROPOSAL_DAYS))
            for d in decisions
        ],
    )


def add_decisions_with_letters(w, applications, now):
    """A confirmed decision (four eyes) and letter 1, decided ``index % DECIDED_DAYS`` days
    (and two hours) ago, its letter in one of ``LETTER_STATUSES``."""
    if not applications:
        return
    decided = {
        a.pk: now - datetime.timedelta(days=a.pk % DECIDED_DAYS, hours=2) for a in applications
    }
    decisions = insert(
        [
            Decision(
                application=a,
                application_version=version,
                outcome=(
                    Decision.Outcome.APPROVE
                    if a.state == State.APPROVED
                    else Decision.Outcome.REJECT
                ),
                status=Decision.Status.CONFIRMED,
                amount=a.requested_amount if a.state == State.APPROVED else None,
                instrument=a.instrument,
                reasons="" if a.state == State.APPROVED else REJECTION_REASONS,
                proposed_by=w.board[0],
                confirmed_by=w.board[1],
                confirmed_at=decided[a.pk],
            )
            for a, version in zip(applications, versions(applications, now), strict=True)
        ],
    )
    letters = []
    for decision in decisions:
        status = LETTER_STATUSES[decision.application_id % len(LETTER_STATUSES)]
        at = decided[decision.application_id] + datetime.timedelta(minutes=1)
        done = status in (DecisionLetter.Status.SENT, DecisionLetter.Status.UNCERTAIN)
        letters.append(
            DecisionLetter(
                application_id=decision.application_id,
                decision=decision,
                number=1,
                status=status,
                claimed_at=at,
                attempts=3 if status == DecisionLetter.Status.FAILED else 1,
                rendered_at=at if status != DecisionLetter.Status.FAILED else None,
                sent_at=at if status == DecisionLetter.Status.SENT else None,
                sha256="0" * 64 if status != DecisionLetter.Status.FAILED else "",
                last_error="OSError: font not found"
                if status == DecisionLetter.Status.FAILED
                else "",
                recipients=["kontakt@example.org"] if done else [],
            )
        )
    insert(letters)


# ----- the report: two years of an evaluated programme ---------------------------------------

REPORT_DAYS = 730  # first submissions spread over the two years up to ``today``
REPORT_PARTNERS = 60  # cooperation partners named (each by many applications)
# What becomes of an application (by index modulo 20) if it gets that far by ``today``:
# 12 approved, 6 rejected, 2 withdrawn; one in 25 stays a draft, one in 5 is returned once.
FATE_APPROVED, FATE_REJECTED, FATE_WITHDRAWN = "approved", "rejected", "withdrawn"
CENT = Decimal("0.01")
FATES = [FATE_APPROVED] * 10 + [FATE_REJECTED] * 6 + [FATE_WITHDRAWN] * 2 + [FATE_APPROVED] * 2


@dataclass
class ReportingWorld:
    """What a reporting case needs: the programme, a coordinator who may read its report, and
    what was built (for the case's assertions and its log line)."""

    programme: object
    coordinator: object
    applications: int
    decided: int  # confirmed decisions (approved or rejected)
    first_day: datetime.date  # the first submission's day
    today: datetime.date
    states: dict = field(default_factory=dict)  # state -> count


@contextlib.contextmanager
def given_times(*fields):
    """``auto_now``/``auto_now_add`` off for ``fields`` meanwhile: ``bulk_create`` writes the
    timestamps the rows carry (a story over two years) instead of now."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _field(model, name):
    return model._meta.get_field(name)


class _Story:
    """One application's story over two years: its transitions, versions, review round and
    decision, cut off at ``now`` (what has not happened yet stays undone)."""

    def __init__(self, index, start, now):
        self.index, self.now = index, now
        day = (index * 7919) % REPORT_DAYS
        self.submitted = start + datetime.timedelta(days=day, hours=8 + index % 9)
        self.fate = FATES[index % len(FATES)]
        self.returned = index % 5 == 1
        self.logs = []  # (moment, transition, source, target)
        self.submissions = []  # moments
        self.review = None  # (started, [review moments], completed or None)
        self.decided = None  # moment of the confirmed decision
        self.state = State.DRAFT
        self._run()

    def _step(self, moment, transition, target):
        if moment > self.now:
            return False
        self.logs.append((moment, transition, self.state, target))
        self.state = target
        return True

    def _run(self):
        i = self.index
        at = self.submitted
        if not self._step(at, "submit", State.SUBMITTED):
            return
        self.submissions.append(at)
        if self.returned:
            at += datetime.timedelta(days=5 + i % 7)
            if not self._step(at, "return_for_revision", State.RETURNED):
                return
            at += datetime.timedelta(days=8 + i % 15)
            if not self._step(at, "submit", State.SUBMITTED):
                return
            self.submissions.append(at)
        if self.fate == FATE_WITHDRAWN and i % 3 == 0:  # withdrawn before the review
            self._step(at + datetime.timedelta(days=4 + i % 20), "withdraw", State.WITHDRAWN)
            return
        started = at + datetime.timedelta(days=2 + i % 25, hours=1)
        if not self._step(started, "start_review", State.IN_REVIEW):
            return
        if self.fate == FATE_WITHDRAWN:  # withdrawn in review, before any review came in
            self.review = (started, [], None)
            self._step(started + datetime.timedelta(days=4), "withdraw", State.WITHDRAWN)
            return
        # Two reviews: 3 to 26 and 6 to 29 days after the start (due after 21: some late).
        late = datetime.timedelta(days=6 + (i * 13) % 24)
        reviews = [started + late - datetime.timedelta(days=3), started + late]
        self.review = (started, [r for r in reviews if r <= self.now], None)
        completed = reviews[-1] + datetime.timedelta(minutes=1)
        if not self._step(completed, "complete_review", State.AWAITING_DECISION):
            return
        self.review = (started, reviews, completed)
        decided = completed + datetime.timedelta(days=3 + (i * 7) % 60)
        approve = self.fate == FATE_APPROVED
        transition, target = ("approve", State.APPROVED) if approve else ("reject", State.REJECTED)
        if self._step(decided, transition, target):
            self.decided = decided


def _report_application(w, programme, story, index):
    """The unsaved application of ``story`` (figures varied by ``index``)."""
    app = application(w, story.state, story.now, index)
    silent = index % 3 == 2
    eligible = Decimal(50000 + (index % 25) * 6000)
    requested = (eligible * 7 / 10).quantize(Decimal("1"))
    own = (eligible / 5).quantize(Decimal("1"))
    app.programme = programme
    app.submission_count = len(story.submissions)
    app.submitted_at = story.submissions[0] if story.submissions else None
    app.last_submitted_at = story.submissions[-1] if story.submissions else None
    app.review_started_at = story.review[0] if story.review else None
    app.awaiting_since = story.review[2] if story.review else None
    if story.state == State.RETURNED:
        app.return_reason = "Bitte ergänzen Sie den Finanzierungsplan."
        app.return_deadline = (story.logs[-1][0] + datetime.timedelta(days=14)).date()
    app.created_at = story.submitted - datetime.timedelta(days=10)
    app.updated_at = story.logs[-1][0] if story.logs else app.created_at
    app.eligible_costs = eligible
    app.requested_amount = requested
    app.own_contribution = own
    app.other_funding = eligible - requested - own
    app.instrument = "silent_partnership" if silent else "loan"
    if silent:
        app.loan_term_months = app.interest_rate = app.grace_period_months = None
    app.staff_total = 12 + index % 40
    app.staff_severely_disabled = 5 + index % 15
    app.jobs_new = index % 5
    app.jobs_secured = 1 + index % 4
    app.cooperation_partner = f"Kooperationspartner {index % REPORT_PARTNERS:02d} GmbH"
    app.de_minimis_received = Decimal((index % 8) * 5000)
    return app


def reporting_world(n=10_000, w=None, today=None):
    """A programme of its own with ``n`` applications over the two years up to ``today``:
    three fifths of those that get that far approved, three tenths rejected, a tenth
    withdrawn; one in five returned once; what began recently still open (submitted, returned,
    in review, awaiting the decision; one in 25 a draft). Written with ``bulk_create``: the
    transition log (submit, return, start and complete the review, approve, reject, withdraw),
    a version per submission, two assignments per review round with their due dates (open
    while in review) and the reviews written by ``today`` (some late), the confirmed decisions
    with amounts. No documents, declarations, mails or letters (the report reads none).

    ``w``: the cast to use (``world()``: organisations in both regions and none stated,
    coordinator, board, reviewers); a new one if None.
    """
    w = w or world()
    now = (
        timezone.now()
        if today is None
        else timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))
    )
    today = timezone.localdate(now)
    programme = Programme.objects.create(
        name=f"Risikokapitalfonds Bericht {w.serial}",
        budget=Decimal("500000000"),
        max_amount=Decimal("150000"),
        opens_on=today - datetime.timedelta(days=REPORT_DAYS + 60),
    )
    start = now - datetime.timedelta(days=REPORT_DAYS)
    stories = [_Story(index, start, now) for index in range(n)]
    for index, story in enumerate(stories):
        if index % 25 == 0:  # a draft, never submitted
            story.state, story.logs, story.submissions = State.DRAFT, [], []
            story.review = story.decided = None
    rows = [_report_application(w, programme, story, index) for index, story in enumerate(stories)]
    with given_times(_field(Application, "created_at"), _field(Application, "updated_at")):
        rows = insert(rows)
    content_type = ContentType.objects.get_for_model(Application)
    coordinator, board = w.coordinator, w.board
    insert(
        [
            StateLog(
                timestamp=moment,
                by=coordinator
                if transition in ("return_for_revision", "start_review")
                else board[1]
                if transition in ("approve", "reject")
                else w.applicants[app.organization_id],
                state=target,
                source_state=source,
                transition=transition,
                content_type=content_type,
                object_id=app.pk,
            )
            for app, story in zip(rows, stories, strict=True)
            for moment, transition, source, target in story.logs
        ],
    )
    versions = insert(
        [
            ApplicationVersion(
                application=app,
                number=number,
                snapshot={"title": app.title},
                submitted_by_id=app.created_by_id,
                submitted_at=moment,
                declared_truthful=True,
                declared_de_minimis=True,
                declared_authorized=True,
            )
            for app, story in zip(rows, stories, strict=True)
            for number, moment in enumerate(story.submissions, start=1)
        ],
    )
    latest = {version.application_id: version for version in versions}  # the last one wins
    _report_reviews(w, programme, rows, stories)
    decided = [(app, story) for app, story in zip(rows, stories, strict=True) if story.decided]
    with given_times(_field(Decision, "proposed_at")):
        insert(
            [
                Decision(
                    application=app,
                    application_version=latest[app.pk],
                    outcome=Decision.Outcome.APPROVE
                    if story.state == State.APPROVED
                    else Decision.Outcome.REJECT,
                    status=Decision.Status.CONFIRMED,
                    amount=(app.requested_amount * (8 + app.pk % 3) / 10).quantize(CENT)
                    if story.state == State.APPROVED
                    else None,
                    instrument=app.instrument,
                    loan_term_months=app.loan_term_months,
                    interest_rate=app.interest_rate,
                    grace_period_months=app.grace_period_months,
                    reasons="" if story.state == State.APPROVED else REJECTION_REASONS,
                    proposed_by=board[0],
                    proposed_at=story.decided - datetime.timedelta(days=2),
                    confirmed_by=board[1],
                    confirmed_at=story.decided,
                )
                for app, story in decided
            ],
        )
    counts = {}
    for story in stories:
        counts[story.state] = counts.get(story.state, 0) + 1
    return ReportingWorld(
        programme=programme,
        coordinator=coordinator,
        applications=n,
        decided=len(decided),
        first_day=timezone.localdate(start),
        today=today,
        states=counts,
    )


def _report_reviews(w, programme, rows, stories):
    """Two assignments per review round (due 21 days after its start; done or still open) and
    the reviews written by then."""
    rubric = Rubric.objects.get(programme=programme, version=1)
    recommendations = list(Review.Recommendation.values)
    assignments, written = [], []
    for app, story in zip(rows, stories, strict=True):
        if story.review is None:
            continue
        started, reviews, _completed = story.review
        due = timezone.localdate(started) + datetime.timedelta(days=programme.review_period_days)
        for k, reviewer in enumerate(two_reviewers(w, app.pk)):
            done = k < len(reviews)
            assignments.append(
                Assignment(
                    application=app,
                    reviewer=reviewer,
                    round=app.submission_count,
                    status=Assignment.Status.DONE if done else Assignment.Status.OPEN,
                    assigned_by=w.coordinator,
                    assigned_at=started - datetime.timedelta(hours=1),
                    due_on=due,
                )
            )
            written.append(reviews[k] if done else None)
    for assignment in assignments:  # a withdrawal closes the open assignments
        if assignment.application.state == State.WITHDRAWN:
            assignment.status = Assignment.Status.CLOSED
    with given_times(_field(Assignment, "assigned_at")):
        assignments = insert(assignments)
    with given_times(_field(Review, "submitted_at"), _field(Review, "updated_at")):
        insert(
            [
                Review(
                    assignment=assignment,
                    rubric=rubric,
                    total_score=Decimal(200 + (assignment.pk * 37) % 300) / 100,
                    confidence="medium",
                    recommendation=recommendations[assignment.pk % len(recommendations)],
                    comment="Tragfähiges Konzept mit nachvollziehbarem Finanzierungsplan.",
                    submitted_at=moment,
                    updated_at=moment,
                )
                for assignment, moment in zip(assignments, written, strict=True)
                if moment is not None
            ],
        )
