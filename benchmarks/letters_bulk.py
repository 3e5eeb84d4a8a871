"""``python -m benchmarks.letters_bulk``: the letters after a board meeting, in bulk.

A board meeting approves 1,000 applications; every letter is rendered and mailed by real Celery
workers. Reported: letters per minute with 1 and with 2 worker processes, and one letter's
render time against its floor. The last line of stdout is one JSON object:

- ``letters``: how many letters each run renders and mails;
- ``seed_s``: the seconds the approvals took (1,000 through the board's services);
- ``workers.<n>``: ``seconds`` from the first queued task to the last letter ``sent``,
  ``letters_per_minute``, ``mails`` that reached the SMTP server (one per letter, with the PDF),
  ``worker_cpu_s`` (CPU seconds of the worker's processes) and the machine's ``load_average``;
- ``render``: medians in ms, in this process, of ``letter_ms`` (``render_letter_pdf``, the
  function the task uses), ``bare_pdfa3_fonts_ms`` (a one-page PDF/A-3a with a line in each
  of the letter's two embedded fonts: the floor for a letter), ``bare_page_ms`` (an empty A4
  page: no text, no fonts, plain PDF), ``text_pdfa3_ms`` (the letter's words as plain
  paragraphs in its fonts, as PDF/A-3a: the floor for its text without its layout), ``ratio``
  (letter / PDF/A-3 floor), ``text_ratio`` (letter / text floor), ``phases_ms`` (the letter by
  step: template, HTML parsing, styles and layout, drawing and writing the PDF).

Services: its own PostgreSQL database (``LETTERS_BENCH_DATABASE_URL``, default
``rk_letters_bench`` on 127.0.0.1; created, dropped at the end; the name must contain
``bench``), Redis db 11 (``LETTERS_BENCH_REDIS_URL``, flushed first and after), an SMTP server
of its own (aiosmtpd on 127.0.0.1, a free port) that the workers mail to.

How: the world of ``benchmarks.data`` with one organisation per application, 1,000
applications awaiting the decision (reviewed, the board declared no conflict), approved as the
board does it: ``propose_decision`` by one member (where no proposal is open) and
``confirm_decision`` by the other. The letter tasks the confirmations queue on commit are
recorded (nothing reaches the broker while seeding); each run then starts a worker (``celery -A
funding worker -P prefork -c N``), waits until it answers a ping, queues exactly those tasks
and waits until every letter is ``sent``. Before the second run the letters are put back as the
confirmation left them (``pending``, no file, no inbox entries).
"""

import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from unittest import mock

from .__main__ import postgres_admin, recreate_postgres
from .measure import log

LETTERS = 1_000
WORKERS = (1, 2)
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rk_letters_bench"
REDIS_URL = "redis://127.0.0.1:6379/11"
ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).parent / "celery"  # the virtualenv's, as ``.venv/bin/celery``
READY_TIMEOUT_S = 60
RUN_TIMEOUT_S = 1800
RENDER_REPEAT = 15
CONDITIONS = "Jährlicher Verwendungsnachweis bis zum 31. März des Folgejahres."

# The floors. The fonts as the letter declares them (templates/letters/letter.css).
FONT_CSS = """
@font-face { font-family: "Letter Sans"; font-weight: normal; font-style: normal;
             src: url("fonts/LiberationSans-Regular.ttf"); }
@font-face { font-family: "Letter Sans"; font-weight: bold; font-style: normal;
             src: url("fonts/LiberationSans-Bold.ttf"); }
@page { size: A4 }
html { font-family: "Letter Sans"; font-size: 10.5pt }
"""
BARE_PDFA3 = (
    '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Bescheid</title></head>'
    "<body><p><b>Bescheid</b> über die Bewilligung</p></body></html>"
)
BARE_PAGE = "<html><head><style>@page { size: A4 }</style></head><body></body></html>"


# ----- the environment ---------------------------------------------------------------------------


def environment(tmp, smtp_port=None):
    """The variables of this process and its workers (the project's settings read them)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": os.environ.get("LETTERS_BENCH_DATABASE_URL", DATABASE_URL),
        "REDIS_URL": os.environ.get("LETTERS_BENCH_REDIS_URL", REDIS_URL),
        "MEDIA_ROOT": f"{tmp}/media",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DEBUG": "false",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    }
    env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}" if smtp_port else "memorymail://"
    return env


def configure(tmp):
    """Set this process up (before ``django.setup()``); refuses a database without ``bench``."""
    env = environment(tmp)
    if postgres_admin(env["DATABASE_URL"]) is None:
        sys.exit("The letters benchmark needs PostgreSQL (LETTERS_BENCH_DATABASE_URL).")
    os.environ.update(env)
    return env


def flush_redis(url):
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


# ----- the SMTP server -------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler: counts the messages that arrive and those that carry a PDF."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = 0
        self.with_pdf = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        raw = bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages += 1
            self.with_pdf += b"application/pdf" in raw
            self.bytes += len(raw)
        return "250 Message accepted for delivery"

    def counts(self):
        with self.lock:
            return {"mails": self.messages, "mails_with_pdf": self.with_pdf, "bytes": self.bytes}

    def reset(self):
        with self.lock:
            self.messages = self.with_pdf = self.bytes = 0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server():
    """``(inbox, port)`` of a running SMTP server on 127.0.0.1."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


# ----- seeding: the board approves -------------------------------------------------------------


def seed(count=LETTERS):
    """``count`` applications awaiting the decision, approved through the board's services;
    returns the letter ids whose tasks the confirmations queued on commit (in that order)."""
    from django.utils import timezone

    from applications.models import Application, State
    from decisions import services, tasks
    from decisions.models import Decision

    from . import data

    w = data.world()
    data.add_companies(w, count - len(w.organizations))  # one organisation per application
    rows = data.add_applications(w, count, states=[State.AWAITING_DECISION])
    # Every third has an open proposal (and its submitted version); the others' versions:
    proposed = set(Decision.objects.values_list("application_id", flat=True))
    data.versions([a for a in rows if a.pk not in proposed], timezone.now())
    data.analyze()
    first, second = w.board
    queued = []
    # The letter tasks are recorded as the confirmations queue them (the proposals' mails reach
    # the broker: each run flushes it first, and no beat re-queues their outbox rows).
    with mock.patch.object(tasks.generate_decision_letter, "delay", side_effect=queued.append):
        for app in Application.objects.filter(pk__in=[a.pk for a in rows]).order_by("pk"):
            proposal = Decision.objects.filter(application=app, status=Decision.Status.OPEN)
            decision = proposal.first()
            if decision is None:
                decision = services.propose_decision(
                    first, app, "approve", amount=app.requested_amount, conditions=CONDITIONS
                )
            confirmer = second if decision.proposed_by_id == first.pk else first
            services.confirm_decision(confirmer, decision)
    return queued


def reset_letters(ids):
    """The letters as the confirmations left them: pending, no file, nothing sent."""
    from django.conf import settings

    from decisions.models import DecisionLetter
    from notifications.models import Notification

    DecisionLetter.objects.filter(pk__in=ids).update(
        status=DecisionLetter.Status.PENDING,
        file="",
        sha256="",
        claimed_at=None,
        rendered_at=None,
        sent_at=None,
        attempts=0,
        recipients=[],
        last_error="",
    )
    Notification.objects.filter(kind="letter").delete()
    shutil.rmtree(Path(settings.MEDIA_ROOT), ignore_errors=True)


# ----- a run: workers render and mail ----------------------------------------------------------


@contextlib.contextmanager
def worker(concurrency, env, log_path):
    """A Celery worker (prefork, ``concurrency`` processes) in a session of its own; stopped
    (warm shutdown, then killed) at the end."""
    command = [
        str(CELERY),
        "-A",
        "funding",
        "worker",
        "-P",
        "prefork",
        "-c",
        str(concurrency),
        "-n",
        f"letters{concurrency}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "WARNING",
    ]
    with open(log_path, "ab") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the worker's own session: it and its children
        process.wait(timeout=10)


def wait_ready(process, name, log_path):
    """Until the worker answers a ping (it has connected to the broker and started its pool)."""
    from funding.celery import app

    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The worker stopped (exit {process.returncode}).{tail(log_path)}")
        if app.control.ping(destination=[name], timeout=1.0):
            return
    raise RuntimeError(f"The worker did not answer within a minute.{tail(log_path)}")


def tail(log_path):
    """The end of the worker's log, for an error message."""
    return "\nThe worker's log ends:\n" + Path(log_path).read_text(errors="replace")[-3000:]


def run_workers(concurrency, ids, env, inbox, log_path):
    """Seconds from the first queued task to the last letter sent, with ``concurrency``
    worker processes."""
    from django.db.models import Max
    from django.utils import timezone

    from decisions import tasks
    from decisions.models import DecisionLetter

    Status = DecisionLetter.Status
    letters = DecisionLetter.objects.filter(pk__in=ids)
    inbox.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker's, once it is reaped
    with worker(concurrency, env, log_path) as process:
        wait_ready(process, f"letters{concurrency}@{socket.gethostname()}", log_path)
        start = timezone.now()
        for letter_id in ids:
            tasks.generate_decision_letter.delay(letter_id)
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while True:
            sent = letters.filter(status=Status.SENT).count()
            stuck = letters.filter(status__in=[Status.FAILED, Status.UNCERTAIN]).count()
            if sent + stuck == len(ids):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{sent} of {len(ids)} letters sent.{tail(log_path)}")
            time.sleep(0.2)
        last = letters.aggregate(last=Max("sent_at"))["last"]
        load = os.getloadavg()[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    seconds = (last - start).total_seconds()
    return {
        "seconds": round(seconds, 2),
        "letters_per_minute": round(sent * 60 / seconds, 1),
        "sent": sent,
        "failed_or_uncertain": stuck,
        "worker_cpu_s": round(cpu, 1),  # the worker's processes, their start included
        "load_average": round(load, 2),  # the machine's, over the last minute, at the end
        **inbox.counts(),
    }


# ----- the render floor ------------------------------------------------------------------------


def median_ms(func, repeat=RENDER_REPEAT):
    func()  # warm-up (caches, the fonts' first subsetting)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2)


class Floors:
    """The bare documents, rendered as the letter is: its URL fetcher, its fonts loaded once
    (the letter parses its stylesheet once per thread)."""

    def __init__(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from decisions import letters

        self.letters = letters
        self.base_url = letters.LETTERS_DIR.resolve().as_uri() + "/"
        self.font_config = FontConfiguration()
        self.fonts = CSS(
            string=FONT_CSS,
            base_url=self.base_url,
            url_fetcher=letters.LetterURLFetcher(),
            font_config=self.font_config,
        )

    def pdfa3(self, html):
        """``html`` as tagged PDF/A-3a in the letter's fonts."""
        from weasyprint import HTML

        document = HTML(
            string=html, base_url=self.base_url, url_fetcher=self.letters.LetterURLFetcher()
        )
        with warnings.catch_warnings():  # as letters.html_to_pdf: WeasyPrint's unclosed profile
            warnings.filterwarnings("ignore", r"unclosed file .*sRGB2014\.icc", ResourceWarning)
            return document.write_pdf(
                pdf_variant=self.letters.PDF_VARIANT,
                stylesheets=[self.fonts],
                font_config=self.font_config,
            )

    def bare_pdfa3(self):
        return self.pdfa3(BARE_PDFA3)

    def bare_page(self):
        """An empty A4 page, plain PDF: WeasyPrint's least (the font configuration reused)."""
        from weasyprint import HTML

        return HTML(string=BARE_PAGE).write_pdf(font_config=self.font_config)


def plain_text(html):
    """The words of a letter's HTML as plain paragraphs (its layout gone)."""
    import re
    from html import escape, unescape

    body = html.split("<body>", 1)[-1]
    blocks = re.split(r"</(?:p|h1|h2|tr|dd|div|address)>", body)
    paragraphs = [" ".join(unescape(re.sub(r"<[^>]+>", " ", b)).split()) for b in blocks]
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Bescheid</title>'
        "</head><body>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p) + "</body></html>"
    )


def letter_phases(letter, repeat=RENDER_REPEAT):
    """Medians in ms of the letter's steps: the template, parsing the HTML, styles and layout,
    drawing and writing the PDF (as ``html_to_pdf`` does them in one call)."""
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML

    from decisions import letters

    language = letters.letter_language(letter)
    stylesheet, font_config = letters.letter_stylesheet()
    base_url = letters.LETTERS_DIR.resolve().as_uri() + "/"
    options = {"pdf_variant": letters.PDF_VARIANT}
    steps = {"template": [], "parse": [], "layout": [], "pdf": []}
    for n in range(repeat + 1):
        t0 = time.perf_counter()
        with translation.override(language):
            html = render_to_string(
                f"letters/decision_{language}.html", letters.letter_context(letter, language)
            )
        t1 = time.perf_counter()
        document = HTML(string=html, base_url=base_url, url_fetcher=letters.LetterURLFetcher())
        t2 = time.perf_counter()
        rendering = document.render(font_config=font_config, stylesheets=[stylesheet], **options)
        t3 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r"unclosed file .*sRGB2014\.icc", ResourceWarning)
            rendering.write_pdf(**options)
        t4 = time.perf_counter()
        if n:  # the first is the warm-up
            for name, seconds in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                steps[name].append(seconds)
    return {name: round(statistics.median(v) * 1000, 2) for name, v in steps.items()}


def render_floor(letter_id):
    """One letter's render time in this process against its floors (medians in ms)."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from decisions import letters

    letter = letters.load_letter(letter_id)
    floors = Floors()
    language = letters.letter_language(letter)
    with translation.override(language):
        html = render_to_string(
            f"letters/decision_{language}.html", letters.letter_context(letter, language)
        )
    text = plain_text(html)
    pdf = letters.render_letter_pdf(letter)
    letter_ms = median_ms(lambda: letters.render_letter_pdf(letter))
    bare_ms = median_ms(floors.bare_pdfa3)
    text_ms = median_ms(lambda: floors.pdfa3(text))
    return {
        "letter_ms": letter_ms,
        "bare_pdfa3_fonts_ms": bare_ms,
        "bare_page_ms": median_ms(floors.bare_page),
        "text_pdfa3_ms": text_ms,
        "ratio": round(letter_ms / bare_ms, 2),
        "text_ratio": round(letter_ms / text_ms, 2),
        "pdf_bytes": len(pdf),
        "phases_ms": letter_phases(letter),
    }


# ----- the whole case --------------------------------------------------------------------------


def run(count=LETTERS, workers=WORKERS):
    """Seed, run the workers, measure the floor; the result (see the module's docstring).
    Call it in a process of its own (``main``): it configures Django for its database."""
    tmp = tempfile.mkdtemp(prefix="risikokapital-letters-bench-")
    env = configure(tmp)
    recreate_postgres(env["DATABASE_URL"])
    flush_redis(env["REDIS_URL"])
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        log(f"Seeding: {count} approvals through the board's services")
        start = time.perf_counter()
        ids = seed(count)
        result = {"letters": len(ids), "seed_s": round(time.perf_counter() - start, 1)}
        log(f"  {len(ids)} letters queued by the confirmations in {result['seed_s']} s")
        result["workers"] = {}
        with smtp_server() as (inbox, port):
            worker_env = environment(tmp, smtp_port=port)
            for n, concurrency in enumerate(workers):
                if n:
                    reset_letters(ids)
                flush_redis(env["REDIS_URL"])
                log(f"{concurrency} worker process(es): {len(ids)} letters")
                figures = run_workers(concurrency, ids, worker_env, inbox, f"{tmp}/worker.log")
                result["workers"][str(concurrency)] = figures
                log(f"  {figures}")
        log("Render time against the floor")
        result["render"] = render_floor(ids[0])
        log(f"  {result['render']}")
        return result
    finally:
        from django.db import connections

        connections.close_all()
        flush_redis(env["REDIS_URL"])
        recreate_postgres(env["DATABASE_URL"], create=False)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    start = time.perf_counter()
    result = run()
    result["wall_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
