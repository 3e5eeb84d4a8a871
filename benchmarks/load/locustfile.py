"""The deadline hour: companies editing and submitting, the office listing, the board's queue.

Started by ``benchmarks.load.runner`` (``locust --headless``) against ``bin/serve``'s gunicorn;
``LOAD_PLAN`` names the JSON that ``benchmarks.load.seed`` wrote (logins, drafts, search
terms). No Django here: only locust and the standard library, so that the load generator stays
light (``PYTHONPATH`` must reach ``benchmarks.load.shape``, the load's shape).

Each user starts logged in once (``on_start``): with the session the runner's login phase
created (``LOAD_SESSIONS``, see ``benchmarks.load.logins``), else through the login form
itself (its CSRF token, the password). Then it works like a person: a page, some thought
(``shape.COMPANY_THINK_S``, ``shape.OFFICE_THINK_S``; ``LOAD_THINK="1,3"`` for every role
instead), the next page. Every form is fetched first and posted with its own
``csrfmiddlewaretoken`` and values; a redirect after a POST is followed as a browser would, as
its own request. Each request gives up after ``TIMEOUT_S``. A request counts as failed when
the answer is not the one the page gives on success (a 4xx or 5xx, a form shown again, the
login form instead of the page, a timeout).

Request names (the report's pages) start with the role: ``company: …``, ``coordinator: …``,
``board: …``; the two login requests of a user logging in itself are ``login page`` and
``login``.
"""

import itertools
import json
import os
import random
import re
from http.cookiejar import Cookie
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, between, task

from benchmarks.load.pages import CSRF, next_page, post_form
from benchmarks.load.shape import (
    BOARD,
    COMPANIES,
    COMPANY_THINK_S,
    COORDINATORS,
    OFFICE_THINK_S,
    TIMEOUT_S,
)

# LOAD_THINK="1,3": one think time for every role instead (a stress test).
THINK = (
    tuple(float(s) for s in os.environ["LOAD_THINK"].split(","))
    if os.environ.get("LOAD_THINK")
    else None
)
HEADERS = {"Accept-Language": "de-DE,de;q=0.9", "User-Agent": "risikokapital-load"}
SECTIONS = ("project", "financing", "employment", "cooperation", "de_minimis")
# The free text a save changes in each section (employment: saved as it is).
EDITED_TEXT = {
    "project": "purpose",
    "financing": "other_funders",
    "cooperation": "cooperation_description",
    "de_minimis": "de_minimis_details",
}
DECLARATIONS = ("declared_truthful", "declared_de_minimis", "declared_authorized")
STATES = ("submitted", "in_review", "awaiting_decision", "returned", "approved", "draft")
BOARD_SORTS = ("waiting", "mean", "disagreement")
REVISION = re.compile(r" \(Fassung \d+\)$")

_plan = None
_sessions = None
_logins = {}


def plan():
    """The seed's plan (``LOAD_PLAN``), read once."""
    global _plan
    if _plan is None:
        with open(os.environ["LOAD_PLAN"], encoding="utf-8") as source:
            _plan = json.load(source)
    return _plan


def sessions():
    """{username: {cookie: value}} of the people the runner logged in (``LOAD_SESSIONS``),
    or {} (then each user logs in itself)."""
    global _sessions
    if _sessions is None:
        path = os.environ.get("LOAD_SESSIONS")
        _sessions = {}
        if path:
            with open(path, encoding="utf-8") as source:
                _sessions = json.load(source)
    return _sessions


def cookie(name, value, host):
    """A host-only cookie for ``host``, as the server would have set it."""
    return Cookie(
        0, name, value, None, False, host, False, False, "/", True, False, None, False, None,
        None, {},
    )  # fmt: skip


def next_login(role):
    """The next unused login of ``role`` (``companies``, ``coordinators``, ``board``); logins
    are handed out in turn, so that 200 companies are 200 different people."""
    if role not in _logins:
        _logins[role] = itertools.cycle(plan()[role])
    login = next(_logins[role])
    return login["username"] if isinstance(login, dict) else login


class Person(FastHttpUser):
    """Logs in once; a request that does not answer within ``TIMEOUT_S`` fails."""

    abstract = True
    wait_time = between(*(THINK or OFFICE_THINK_S))
    connection_timeout = TIMEOUT_S
    network_timeout = TIMEOUT_S
    default_headers = HEADERS
    role = None

    def on_start(self):
        """Take over the session the runner logged in (``LOAD_SESSIONS``) and open the start
        page, or log in through the form."""
        self.username = next_login(self.role)
        cookies = sessions().get(self.username)
        if cookies:
            host = urlsplit(self.host).hostname
            for name, value in cookies.items():
                self.client.cookiejar.set_cookie(cookie(name, value, host))
            self.page("/", f"{self.role_name}: start page")
        else:
            self.log_in()
        gevent.sleep(self.wait_time())  # reading the start page, before the first task

    def log_in(self):
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF.search(page.text or "")
        data = {
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "login_view-current_step": "auth",
            "auth-username": self.username,
            "auth-password": plan()["password"],
        }
        with self.client.post(
            "/accounts/login/", data=data, name="login", allow_redirects=False,
            catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code != 302:
                answer.failure(f"login of {self.username} answered {answer.status_code}")
                return
            location = answer.headers.get("Location") or "/"
        self.client.get(location, name=f"{self.role_name}: start page")

    @property
    def role_name(self):
        return {"companies": "company", "coordinators": "coordinator", "board": "board"}[self.role]

    def page(self, path, name):
        """GET a page; its text ("" when it failed). Landing on the login form (the session
        is gone) is a failure too."""
        with self.client.get(path, name=name, catch_response=True) as answer:
            text = answer.text or ""
            if answer.status_code == 200 and 'name="auth-password"' in text:
                answer.failure(f"{name}: sent to the login")
                return ""
        return text

    def post_then_follow(self, path, data, name, follow_name):
        """POST a form; success is the redirect (302), which is followed as its own request.
        Returns the answer's status (0 on a network failure)."""
        with self.client.post(
            path, data=data, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            status = answer.status_code or 0
            if status == 0:  # no answer: reported as the client's error (e.g. a timeout)
                return status
            if status != 302:
                answer.failure(f"{name}: {status} instead of a redirect")
                return status
            location = answer.headers.get("Location")
        if location:
            self.client.get(location, name=follow_name)
        return status


class CompanyUser(Person):
    """A company at the deadline: reads its drafts, edits their sections (a form fetched, a text
    changed, saved), and submits its first draft once, at a random moment; afterwards it keeps
    editing the other draft and reading both."""

    weight = COMPANIES
    role = "companies"
    wait_time = between(*(THINK or COMPANY_THINK_S))

    def on_start(self):
        super().on_start()
        account = next(a for a in plan()["companies"] if a["username"] == self.username)
        self.applications = list(account["drafts"])
        self.editable = list(account["drafts"])
        self.to_submit = self.applications[0]
        self.submit_tried = False
        self.revision = 0

    @task(3)
    def read_application(self):
        pk = random.choice(self.applications)
        self.page(f"/applications/{pk}/", "company: application")

    @task(6)
    def edit_section(self):
        pk = random.choice(self.editable)
        section = random.choice(SECTIONS)
        path = f"/applications/{pk}/edit/{section}/"
        fields = post_form(self.page(path, f"company: edit {section}"), "version")
        if fields is None:
            return  # the GET failed and was counted
        if section in EDITED_TEXT:
            self.revision += 1
            name = EDITED_TEXT[section]
            fields[name] = REVISION.sub("", fields.get(name, "")) + f" (Fassung {self.revision})"
        self.wait()  # typing
        self.post_then_follow(path, fields, f"company: save {section}", "company: application")

    @task(1)
    def submit(self):
        if self.to_submit not in self.editable:  # done: the submitted one is read instead
            self.page(f"/applications/{self.to_submit}/", "company: application")
            return
        path = f"/applications/{self.to_submit}/submit/"
        fields = post_form(self.page(path, "company: submit page"), "csrfmiddlewaretoken")
        if fields is None:
            return
        fields.update(dict.fromkeys(DECLARATIONS, "on"))
        self.wait()  # reading the checklist, ticking the declarations
        with self.client.post(
            path, data=fields, name="company: submit", allow_redirects=False,
            catch_response=True,
        ) as answer:  # fmt: skip
            status = answer.status_code or 0
            if status == 409 and self.submit_tried:
                answer.success()  # an earlier attempt (failed on our side) went through
            elif status != 302:
                self.submit_tried = True
                if status:  # else no answer: reported as the client's error (e.g. a timeout)
                    answer.failure(f"company: submit: {status} instead of a redirect")
                return
        self.editable.remove(self.to_submit)
        self.page(f"/applications/{self.to_submit}/", "company: application")

    @task(1)
    def start_page(self):
        self.page("/", "company: start page")

    @task(1)
    def own_list(self):
        self.page("/applications/", "company: list")


class CoordinatorUser(Person):
    """The coordination office: the list, a search, a state filter, and the next pages through
    the page's own links."""

    weight = COORDINATORS
    role = "coordinators"

    def browse(self, page, pages):
        """Follow the page's own "next" link up to ``pages`` times."""
        for _ in range(pages):
            link = next_page(page)
            if not link:
                return
            self.wait()
            page = self.page(f"/applications/{link}", "coordinator: next page")

    @task(4)
    def application_list(self):
        page = self.page("/applications/", "coordinator: list")
        self.browse(page, random.randint(0, 2))

    @task(3)
    def search(self):
        term = random.choice(plan()["search_terms"])
        page = self.page(f"/applications/?q={term}", "coordinator: search")
        self.browse(page, random.randint(0, 1))

    @task(3)
    def filter_state(self):
        state = random.choice(STATES)
        page = self.page(f"/applications/?state={state}", "coordinator: filter state")
        self.browse(page, random.randint(0, 2))


class BoardUser(Person):
    """A board member on the queue: its default order, another sort, the next page."""

    weight = BOARD
    role = "board"

    @task
    def queue(self):
        page = self.page("/board/", "board: queue")
        self.wait()
        sort = random.choice(BOARD_SORTS)
        page = self.page(f"/board/?sort={sort}", "board: queue sorted")
        link = next_page(page)
        if link and random.random() < 0.5:
            self.wait()
            self.page(f"/board/{link}", "board: next page")
