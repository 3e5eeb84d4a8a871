"""A real Celery worker *process* against Redis and the test database (committed data).

The application goes from draft to approved through the services; the worker renders the
decision letter and mails it. Needs PostgreSQL and Redis (under CI a missing one fails).
"""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings
from django.db import connection
from pypdf import PdfReader

from applications.models import State
from decisions.models import DecisionLetter
from tests import states

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MM = 72 / 25.4
BASE_DIR = Path(settings.BASE_DIR)


def database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


WORKER_ARGS = [
    "worker", "--pool=solo", "--loglevel=warning", "--without-gossip", "--without-mingle",
    "--without-heartbeat",
]  # fmt: skip

# Starts the worker in-process after ``patch`` ran (code that only tests use, e.g. a slow step).
BOOT = """
import django
django.setup()
{patch}
from funding.celery import app
app.worker_main({args!r})
"""


def worker_env(media_root, mail_dir):
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(media_root),
        "EMAIL_URL": f"filemail:///{mail_dir}",  # django-environ drops one slash,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }


def start_worker(media_root, mail_dir, log_path, patch=""):
    """A worker process (pool solo) on the test database, the test media and a mail folder.

    ``patch``: Python run in the worker before it starts (a test-only hook). The caller stops
    it with ``stop_worker``.
    """
    if patch:
        command = [sys.executable, "-c", BOOT.format(patch=patch, args=WORKER_ARGS)]
    else:
        command = [sys.executable, "-m", "celery", "-A", "funding", *WORKER_ARGS]
    log = open(log_path, "a+")  # noqa: SIM115 - closed by stop_worker
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=worker_env(media_root, mail_dir), stdout=log, stderr=log
    )
    process.log = log
    return process


def stop_worker(process):
    """Terminate the worker (kill it if it does not stop) and print its log."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.seek(0)
    print(process.log.read())  # shown by pytest when the test fails
    process.log.close()


@pytest.fixture
def worker(media_root, tmp_path):
    """One worker process, pointed at the test database, the test media and a mail folder."""
    mail_dir = tmp_path / "mail"
    process = start_worker(media_root, mail_dir, tmp_path / "worker.log")
    try:
        yield mail_dir
    finally:
        stop_worker(process)


def wait_for(predicate, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_worker_renders_and_mails_the_decision_letter(worker):
    application = states.approved(amount=None)
    assert application.state == State.APPROVED
    letter = application.letters.get()

    def sent():
        letter.refresh_from_db()
        return letter.status == DecisionLetter.Status.SENT

    assert wait_for(sent), f"letter still {letter.status}"

    content = letter.file.read()
    letter.file.close()
    assert content.startswith(b"%PDF")
    page = PdfReader(io.BytesIO(content)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)

    organization = application.organization
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        first = pdf.pages[0]
        text = first.extract_text()
        assert application.reference in text
        assert organization.name in text
        window = first.within_bbox((20 * MM, 45 * MM, 105 * MM, 90 * MM))
        window_text = window.extract_text()
    for line in organization.address_lines():
        assert line in window_text

    mails = list(worker.glob("*.log"))
    assert mails, "no mail written"
    letter_mails = [p.read_text() for p in mails if application.reference in p.read_text()]
    assert any(organization.contact_email in mail for mail in letter_mails)
