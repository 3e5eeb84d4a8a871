"""The load case's parts, without a load run: the seed builds working logins and complete
drafts, the locustfile's way of reading pages fills in and submits the real forms, and its user
classes import with the load's shape."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from applications import selectors
from applications.models import Application, State
from benchmarks.load import pages, seed, shape
from benchmarks.load.runner import figures

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built_once(django_db_setup, django_db_blocker):
    """Three companies, 424 older applications (53 awaiting a decision: more than a page);
    built once for the module, in a transaction rolled back at its end."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic(), fast:
        yield seed.build(background=424, companies=3)
        transaction.set_rollback(True)


@pytest.fixture
def plan(built_once, db):
    return built_once


def logged_in(plan, username):
    """A client logged in through the login form, with the fields the locustfile posts."""
    client = Client(enforce_csrf_checks=True)
    fields = pages.post_form(client.get("/accounts/login/").content.decode(), "auth-username")
    fields.update({"auth-username": username, "auth-password": plan["password"]})
    assert fields["login_view-current_step"] == "auth"
    assert client.post("/accounts/login/", fields).status_code == 302
    return client


def test_the_seed_builds_logins_and_complete_drafts(plan):
    assert [c["username"] for c in plan["companies"]] == ["company000", "company001", "company002"]
    assert len(plan["coordinators"]) == shape.COORDINATORS
    assert len(plan["board"]) == shape.BOARD
    assert User.objects.values("password").distinct().count() == 1  # hashed once, copied
    for username in (plan["companies"][2]["username"], plan["coordinators"][9], plan["board"][4]):
        logged_in(plan, username)
    today = timezone.localdate()
    for company in plan["companies"]:
        assert len(company["drafts"]) == seed.DRAFTS_PER_COMPANY
        for pk in company["drafts"]:
            draft = Application.objects.get(pk=pk)
            assert draft.state == State.DRAFT
            assert selectors.pending_violations(draft, today) == {}
    assert Application.objects.filter(state=State.AWAITING_DECISION).exists()
    assert json.loads(json.dumps(plan)) == plan


def test_forms_are_filled_in_and_submitted_as_the_locustfile_does(plan):
    company = plan["companies"][0]
    client = logged_in(plan, company["username"])
    pk = company["drafts"][0]
    path = f"/applications/{pk}/edit/project/"
    fields = pages.post_form(client.get(path).content.decode(), "version")
    assert fields["csrfmiddlewaretoken"] and fields["eligible_costs"] == "95.000,00"
    fields["purpose"] += " (Fassung 1)"
    assert client.post(path, fields).status_code == 302
    assert Application.objects.get(pk=pk).purpose.endswith("(Fassung 1)")

    path = f"/applications/{pk}/submit/"
    fields = pages.post_form(client.get(path).content.decode(), "csrfmiddlewaretoken")
    fields.update(declared_truthful="on", declared_de_minimis="on", declared_authorized="on")
    assert client.post(path, fields).status_code == 302
    assert Application.objects.get(pk=pk).state == State.SUBMITTED
    assert client.post(path, fields).status_code == 409  # once only, by design


@pytest.mark.parametrize(
    ("role", "path"), [("coordinators", "/applications/"), ("board", "/board/")]
)
def test_lists_are_paged_through_their_own_links(plan, role, path):
    client = logged_in(plan, plan[role][0])
    link = pages.next_page(client.get(path).content.decode())
    assert link and link.startswith("?")
    assert client.get(f"{path}{link}").status_code == 200


def test_the_locustfile_imports_with_the_loads_shape():
    """In a subprocess: locust patches the standard library with gevent when imported."""
    script = (
        "import json; from benchmarks.load import locustfile as f; "
        "print(json.dumps({c.__name__: [c.weight, c.role, c.network_timeout] for c in "
        "(f.CompanyUser, f.CoordinatorUser, f.BoardUser)}))"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    classes = json.loads(done.stdout.strip().splitlines()[-1])
    assert classes == {
        "CompanyUser": [shape.COMPANIES, "companies", shape.TIMEOUT_S],
        "CoordinatorUser": [shape.COORDINATORS, "coordinators", shape.TIMEOUT_S],
        "BoardUser": [shape.BOARD, "board", shape.TIMEOUT_S],
    }
    assert shape.USERS == shape.COMPANIES + shape.COORDINATORS + shape.BOARD == 215


def test_figures_are_read_from_locusts_csv(tmp_path):
    header = "Type,Name,Request Count,Failure Count,Requests/s,50%,95%,99%\n"
    (tmp_path / "x_stats.csv").write_text(
        header + "GET,board: queue,10,1,0.5,120,300,310\n,Aggregated,10,1,0.5,120,300,310\n"
    )
    timeout = "RetriesExceeded('http://127.0.0.1:1/board/', 0, original=timed out)"
    (tmp_path / "x_failures.csv").write_text(
        f'Method,Name,Error,Occurrences\nGET,board: queue,"{timeout}",1\n'
    )
    result = figures(tmp_path / "x", 2)
    assert result["errors"] == 1 and result["requests"] == 10 and result["rps"] == 0.5
    assert result["pages"]["board: queue"]["p95_ms"] == 300.0
    assert result["failures"] == [
        {"page": "board: queue", "error": "timeout (no answer within 10 s)", "count": 1}
    ]
