"""The measurements. Each returns a JSON-ready dict."""

import contextlib
import datetime
import json
import re
from collections import Counter
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from applications import selectors, services
from applications.models import Application, State
from decisions import letters
from notifications import offsets, registry
from notifications.models import Reminder
from notifications.reminders import send_reminders, sweep
from reviews.models import Assignment

from . import data
from .measure import elapsed_s, log, median_ms, queries, ratio

PAGE_SIZE = 50
TBODY = re.compile(rb"<tbody>(.*?)</tbody>", re.S)


def fresh(user):
    """The user without the role caches funding.roles keeps on it (as on a new request)."""
    for name in ("_group_names", "_organization_ids"):
        user.__dict__.pop(name, None)
    return user


# ----- 1. the coordinator's list selector vs raw SQL ------------------------------------------


def list_selector(w):
    user = get_user_model().objects.get(pk=w.coordinator.pk)

    def first_page():
        rows = list(selectors.application_list(fresh(user))[:PAGE_SIZE])
        return [(a.reference, a.programme.name, a.organization.name) for a in rows]

    def first_page_roles_known():
        rows = list(selectors.application_list(user)[:PAGE_SIZE])
        return [(a.reference, a.programme.name, a.organization.name) for a in rows]

    sql, params = selectors.application_list(user)[:PAGE_SIZE].query.sql_with_params()

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    count, rows = queries(first_page)
    raw_rows = raw()
    assert len(rows) == len(raw_rows), (len(rows), len(raw_rows))
    ms = median_ms(first_page, repeat=9)
    rows_ms = median_ms(first_page_roles_known, repeat=9)
    raw_ms = median_ms(raw, repeat=9)
    return {
        "rows": len(rows),
        "queries": count,
        "ms": ms,
        "raw_ms": raw_ms,
        "ratio": ratio(ms, raw_ms),
        "rows_ms": rows_ms,
        "rows_ratio": ratio(rows_ms, raw_ms),
    }


# ----- 2. pages through the test client --------------------------------------------------------


def page(user, url_name):
    client = Client()
    client.force_login(user)
    url = reverse(url_name)

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    count, html = queries(get)
    body = TBODY.search(html)
    rows = body.group(1).count(b"<tr>") if body else 0
    ms = median_ms(get, repeat=5)
    return {
        "rows": rows,
        "queries": count,
        "ms": ms,
        "bytes": len(html),
        "bytes_per_row": round(len(html) / rows) if rows else None,
        "row_html_bytes": round(len(body.group(1)) / rows) if rows else None,
    }


def api_list(key):
    """The API's application list (first page, by token) against its own queries replayed as
    plain SQL."""
    client = Client()
    url = reverse("api:application-list")

    def get():
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    count, body = queries(get)
    ms = median_ms(get, repeat=9)
    _statements, raw_ms = _raw_floor(get)
    return {
        "rows": len(json.loads(body)["results"]),
        "queries": count,
        "ms": ms,
        "raw_ms": raw_ms,
        "ratio": ratio(ms, raw_ms),
        "bytes": len(body),
    }


def report(rw):
    """The reporting page over the last two calendar years of a programme with ``rw.applications``
    applications, by each basis: queries, the page's median time, the figures alone (the seven
    queries and the Python that makes medians and shares), the charts, and each export."""
    from reporting import charts, exports, figures, pdf
    from reporting.report import Basis, Period

    client = Client()
    client.force_login(rw.coordinator)
    url = reverse("reporting-report")
    start = datetime.date(rw.today.year - 1, 1, 1)
    period = Period(start=start, end=rw.today, basis=Basis.SUBMITTED, label="bench")
    result = {"applications": rw.applications, "decided": rw.decided}
    for basis in (Basis.SUBMITTED, Basis.DECIDED):
        query = {
            "programme": rw.programme.pk,
            "kind": "range",
            "start": start.isoformat(),
            "end": rw.today.isoformat(),
            "basis": basis,
        }

        def get(query=query):
            response = client.get(url, query)
            assert response.status_code == 200, (url, response.status_code)
            return response.content

        count, html = queries(get)
        chosen = Period(start=period.start, end=period.end, basis=basis, label="bench")
        data = figures.report(rw.programme, chosen)
        result[basis] = {
            "rows": len(data.rows),
            "queries": count,
            # queries(get) and the figures for ``data`` above were the warm-up calls
            "page_ms": median_ms(get, repeat=3, warmup=0),
            "figures_ms": median_ms(
                lambda chosen=chosen: figures.report(rw.programme, chosen), 3, warmup=0
            ),
            "charts_ms": median_ms(lambda data=data: charts.render_all(data), repeat=3),
            "xlsx_ms": median_ms(lambda data=data: exports.xlsx(data), repeat=1, warmup=0),
            "csv_rows_ms": median_ms(lambda data=data: exports.csv_rows(data), repeat=1, warmup=0),
            "pdf_ms": median_ms(lambda data=data: pdf.render(data), repeat=1, warmup=0),
            "bytes": len(html),
        }
    return result


# ----- 3. transitions per second --------------------------------------------------------------


@contextlib.contextmanager
def published_only():
    """As in production: the request publishes its mails to the broker (here in memory)."""
    from funding.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved


def transitions(w, n=300):
    drafts = data.add_applications(w, n, states=[State.DRAFT])
    submitted = data.add_applications(w, n, states=[State.SUBMITTED])
    drafts = list(Application.objects.filter(pk__in=[a.pk for a in drafts]))
    submitted = list(Application.objects.filter(pk__in=[a.pk for a in submitted]))
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    results = {}

    def withdraw_all():
        for app in drafts:
            # add_applications spreads over organisations: act as each one's applicant
            services.withdraw(w.applicants[app.organization_id], app, "Projekt verschoben.")

    def return_all():
        for app in submitted:
            services.return_for_revision(w.coordinator, app, "Bitte ergänzen.", deadline)

    for name, func in (("withdraw", withdraw_all), ("return_for_revision", return_all)):
        with published_only():
            seconds, _ = elapsed_s(func)
        results[name] = {"n": n, "s": round(seconds, 3), "per_second": round(n / seconds, 1)}
        log(f"  {name}: {n} in {seconds:.2f} s")
    mail.outbox = []
    total = sum(r["s"] for r in results.values())
    return round(2 * n / total, 1), results


# ----- 4. the decision letter vs bare WeasyPrint pages -----------------------------------------

BARE = "<html><head><style>@page{size:A4}</style></head><body><p>x</p></body></html>"
FONT_FACES = """
@font-face { font-family: "Letter Sans"; src: url("fonts/LiberationSans-Regular.ttf"); }
@font-face { font-family: "Letter Sans"; font-weight: bold;
             src: url("fonts/LiberationSans-Bold.ttf"); }
@page { size: A4 }
html { font-family: "Letter Sans" }
"""


def letter(w):
    row = data.approved_letter(w)
    row = letters.load_letter(row.pk)
    base_url = letters.LETTERS_DIR.resolve().as_uri() + "/"
    font_config = FontConfiguration()
    fonts = CSS(
        string=FONT_FACES,
        base_url=base_url,
        url_fetcher=letters.LetterURLFetcher(),
        font_config=font_config,
    )

    def bare():
        return HTML(string=BARE).write_pdf()

    def bare_pdfa():
        document = HTML(
            string='<html lang="de"><body><p>x</p></body></html>',
            base_url=base_url,
            url_fetcher=letters.LetterURLFetcher(),
        )
        return document.write_pdf(
            pdf_variant=letters.PDF_VARIANT, stylesheets=[fonts], font_config=font_config
        )

    pdf = letters.render_letter_pdf(row)
    ms = median_ms(lambda: letters.render_letter_pdf(row), repeat=7)
    bare_ms = median_ms(bare, repeat=7)
    bare_pdfa_ms = median_ms(bare_pdfa, repeat=7)
    return {
        "ms": ms,
        "bare_ms": bare_ms,
        "ratio": ratio(ms, bare_ms),
        "bare_pdfa_ms": bare_pdfa_ms,
        "ratio_pdfa": ratio(ms, bare_pdfa_ms),
        "pdf_bytes": len(pdf),
    }


# ----- 5. the reminder sweep ---------------------------------------------------------------------


def sweep_time():
    """Today 10:00 in Europe/Berlin: inside the sending hours."""
    today = timezone.localdate()
    return datetime.datetime.combine(today, datetime.time(10), ZoneInfo("Europe/Berlin"))


def open_assignments():
    return Assignment.objects.filter(
        status=Assignment.Status.OPEN, application__state=State.IN_REVIEW
    ).count()


def top_up_open_assignments(w, target):
    """Add in_review applications (two open assignments each) until ``target`` is reached."""
    missing = target - open_assignments()
    if missing > 0:
        data.add_applications(w, (missing + 1) // 2, states=[State.IN_REVIEW])
    data.analyze()
    return open_assignments()


BIG = 100_000  # from this size on, fewer repeats (each dry run takes seconds)


def reminder_sweep(w, target, real=True):
    Reminder.objects.all().delete()
    total = top_up_open_assignments(w, target)
    now = sweep_time()
    count, keys = queries(lambda: send_reminders(now=now, dry_run=True))  # the warm-up too
    repeat = 5 if target < BIG else 3
    dry_ms = median_ms(lambda: send_reminders(now=now, dry_run=True), repeat=repeat, warmup=0)
    result = {
        "open_assignments": total,
        "due": len(keys),
        "dry_run_queries": count,
        "dry_run_ms": dry_ms,
    }
    if real:
        counter = _Counter()
        with counted_mail() as mails, connection.execute_wrapper(counter):
            seconds, sent = elapsed_s(lambda: send_reminders(now=now))
        result.update(
            sweep_ms=round(seconds * 1000, 1),
            sweep_queries=counter.n,
            sent=len(sent),
            mails=mails.built,
        )
    return result


class MailCounter(BaseEmailBackend):
    """The sweeps' mail backend: builds each message as the SMTP and in-memory backends do
    (``message()``: its MIME parts and headers) and counts it; unlike the in-memory backend
    it keeps no deep copy of each (100,000 of them: a gigabyte, and seconds of copying)."""

    built = 0  # since ``counted_mail`` began (class-wide: each connection is a new backend)

    def send_messages(self, messages):
        for message in messages:
            message.message()
        MailCounter.built += len(messages)
        return len(messages)


@contextlib.contextmanager
def counted_mail():
    """Mail goes to ``MailCounter`` meanwhile; yields it (``.built``: the mails sent)."""
    MailCounter.built = 0
    with override_settings(EMAIL_BACKEND=f"{__name__}.MailCounter"):
        yield MailCounter


# ----- 5b. the reminder sweep over every rule ---------------------------------------------------


REVIEW_RULE = "reviews.review_due"


def watched_applications():
    """Applications in the states the reminder rules watch (besides the reviews)."""
    return Application.objects.filter(state__in=set(data.WATCHED)).count()


def reminder_rules(w, target):
    """The sweep over every registered rule: ``target`` applications in the watched states
    (drafts, returned, awaiting the decision with proposals, decided with letters) and
    ``target`` open assignments. Each rule's ``due`` alone; the dry run; the first real sweep
    (mails built and counted: ``MailCounter``); a second sweep right after (everything claimed: the
    hourly sweep's usual case). The open assignments' reminders stay claimed from the
    ``reminder_sweep`` case at the same moment (sending them again would only repeat it): the
    first sweep selects everything and sends the other rules' reminders."""
    now = sweep_time()
    reviews = [
        kind
        for rule in registry.reminder_rules()
        for kind in rule.kinds
        if rule.name == REVIEW_RULE
    ]
    Reminder.objects.exclude(rule__in=reviews).delete()
    missing = target - watched_applications()
    if missing > 0:
        data.add_watched_applications(w, missing, now)
    assignments = top_up_open_assignments(w, target)  # analyzes too
    result = {
        "applications": watched_applications(),
        "open_assignments": assignments,
    }
    table = offsets.table()
    repeat = 3 if target < BIG else 1  # at 100,000 a call takes seconds
    rules = {}
    for rule in registry.reminder_rules():
        count, due = queries(lambda rule=rule: rule.due(now, table))  # the warm-up too
        ms = median_ms(lambda rule=rule: rule.due(now, table), repeat=repeat, warmup=0)
        rules[rule.name] = {"due": len(due), "queries": count, "ms": ms}
    count, keys = queries(lambda: send_reminders(now=now, dry_run=True))
    result.update(
        due=len(keys),
        rules=rules,
        dry_run_queries=count,
        dry_run_ms=median_ms(
            lambda: send_reminders(now=now, dry_run=True), repeat=repeat, warmup=0
        ),
    )
    for name in ("sweep", "again"):
        counter = _Counter()
        with counted_mail() as mails, connection.execute_wrapper(counter):
            seconds, (sent, due) = elapsed_s(lambda: sweep(now=now))
        result.update(
            {
                f"{name}_ms": round(seconds * 1000, 1),
                f"{name}_queries": counter.n,
                f"{name}_sent": len(sent),
                f"{name}_mails": mails.built,
            }
        )
        if name == "sweep":
            result["sent_by_rule"] = dict(sorted(Counter(due[key].rule for key in sent).items()))
    return result


class _Counter:
    """Counts queries without keeping their SQL (a bulk insert of 70,000 rows is long)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


# ----- 6. expert review: the board queue and the assignment proposal ---------------------------

EXPERT_APPLICATIONS = 1_000
EXPERT_REVIEWERS = 50


def _raw_floor(func):
    """The queries ``func`` runs, replayed as plain SQL through the cursor: (queries, ms); the
    same replay as the million-row cases' (``scale.raw_floor``: writes rolled back)."""
    from .scale import raw_floor

    return raw_floor(func)


def expert_review(w):
    """A programme of its own with 1,000 applications awaiting a decision (two reviews each, the
    board declared) and 1,000 submitted ones lacking reviewers; 50 reviewers in all. The board
    queue (each sort, one page) and the office's assignment proposal, against the same SQL
    replayed raw."""
    from decisions.selectors import QUEUE_SORTS, board_queue_page
    from funding.models import Programme
    from reviews.services import propose_assignments

    programme = Programme.objects.create(
        name="Risikokapitalfonds Begutachtung",
        budget=w.programmes[0].budget,
        max_amount=w.programmes[0].max_amount,
        opens_on=w.programmes[0].opens_on,
        review_cap=50,
    )
    missing = EXPERT_REVIEWERS - len(w.reviewers)
    if missing > 0:
        w.reviewers.extend(
            data.users([f"reviewer{n:02d}" for n in range(len(w.reviewers), EXPERT_REVIEWERS)],
                       "reviewers")
        )  # fmt: skip
    programmes, w.programmes = w.programmes, [programme]
    try:
        data.add_applications(
            w, 2 * EXPERT_APPLICATIONS, states=[State.AWAITING_DECISION, State.SUBMITTED]
        )
    finally:
        w.programmes = programmes
    data.analyze()
    board = get_user_model().objects.get(pk=w.board[0].pk)
    coordinator = get_user_model().objects.get(pk=w.coordinator.pk)
    result = {"applications_awaiting": EXPERT_APPLICATIONS, "reviewers": EXPERT_REVIEWERS}
    for sort in QUEUE_SORTS:

        def queue_page(sort=sort):
            page = board_queue_page(fresh(board), sort, programme=programme)  # the first page
            return [(row.reference, row.mean_total) for row in page.rows]

        count, rows = queries(queue_page)
        ms = median_ms(queue_page, repeat=5)
        _n, raw_ms = _raw_floor(queue_page)
        result[f"board_queue_{sort}"] = {
            "rows": len(rows), "queries": count, "ms": ms, "raw_ms": raw_ms,
            "ratio": ratio(ms, raw_ms) if raw_ms else None,
        }  # fmt: skip

    def proposal():
        return propose_assignments(fresh(coordinator), programme=programme).rows

    count, rows = queries(proposal)
    ms = median_ms(proposal, repeat=3)
    _n, raw_ms = _raw_floor(proposal)
    result["proposal"] = {
        "applications_open": EXPERT_APPLICATIONS,
        "rows": len(rows),
        "queries": count,
        "ms": ms,
        "raw_ms": raw_ms,
        "ratio": ratio(ms, raw_ms) if raw_ms else None,
    }
    return result
