"""The models that left ``applications`` keep their rows (migrations 0003 and the new apps' ones).

``ConflictDeclaration`` went to ``reviews``, ``Reminder`` to ``notifications``, ``Decision`` and
``DecisionLetter`` to ``decisions``: the new apps take the old tables over in the state, rename
them to their own names and move the content types along. These tests migrate the test database
back to the nodes before the move, write a row into every moved table with the historical models
of that time, migrate forward and read the rows back with the historical models of the head
(and the other way round). Whatever happens, the database ends at the head for the tests after.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

# The last migrations before the move (funding was at 0002_groups; it does not depend on the
# move, so it and every other app stay where they are: the executor unapplies what depends on
# the moved apps).
OLD_NODES = [
    ("applications", "0002_board_queue_index"),
    ("reviews", "0001_initial"),
    ("decisions", None),
    ("notifications", None),
]
# model -> the app it moved to (from "applications").
MOVED = {
    "conflictdeclaration": "reviews",
    "reminder": "notifications",
    "decision": "decisions",
    "decisionletter": "decisions",
}
OLD_TABLES = {model: f"applications_{model}" for model in MOVED}
NEW_TABLES = {model: f"{app}_{model}" for model, app in MOVED.items()}
OLD_LABELS = dict.fromkeys(MOVED, "applications")

WHEN = datetime.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=datetime.UTC)
CLAIM = "0b0f8a1e-5c3d-4d7e-9a51-3f2c1d0e9b8a"
SHA = "ab" * 32


# --- migrating ---------------------------------------------------------------------------


def _executor():
    """A fresh executor: its loader knows which migrations are applied right now."""
    return MigrationExecutor(connection)


def _migrate(targets):
    """Migrate to ``targets``; returns the historical apps of the state reached."""
    executor = _executor()
    executor.migrate(targets)
    executor.loader.build_graph()
    graph = executor.loader.graph
    applied = [node for node in executor.loader.applied_migrations if node in graph.nodes]
    for app, name in targets:  # each app stands exactly at its target
        wanted = graph.forwards_plan((app, name)) if name else []
        assert {n for n in applied if n[0] == app} == {n for n in wanted if n[0] == app}, app
    return executor.loader.project_state(applied).apps


def _migrate_to_head():
    executor = _executor()
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(leaves)
    executor.loader.build_graph()
    return executor


@pytest.fixture
def migrator(transactional_db):
    """Leaves the database at the head (and the content-type cache empty), even on failure."""
    try:
        yield
    finally:
        _migrate_to_head()
        ContentType.objects.clear_cache()


# --- rows ----------------------------------------------------------------------------------


def _models(apps, labels):
    """The moved models from ``apps``, each from its app in ``labels``."""
    return {model: apps.get_model(labels[model], model) for model in MOVED}


def _create_rows(apps, labels):
    """One row in every moved table, and what they need. Returns the moved rows by model."""
    User = apps.get_model("auth", "User")
    Programme = apps.get_model("funding", "Programme")
    Organization = apps.get_model("funding", "Organization")
    Application = apps.get_model("applications", "Application")
    ApplicationVersion = apps.get_model("applications", "ApplicationVersion")
    models = _models(apps, labels)

    applicant = User.objects.create(username="mig-applicant", email="a@example.org")
    reviewer = User.objects.create(username="mig-reviewer", email="r@example.org")
    proposer = User.objects.create(username="mig-proposer", email="p@example.org")
    confirmer = User.objects.create(username="mig-confirmer", email="c@example.org")
    programme = Programme.objects.create(
        name="Migration programme",
        budget=Decimal("1000000.00"),
        max_amount=Decimal("200000.00"),
        opens_on=datetime.date(2026, 1, 1),
    )
    organization = Organization.objects.create(
        name="Inklusion gGmbH",
        legal_form="ggmbh",
        representative="Ada Beispiel",
        address="Inklusion gGmbH\nHauptstr. 1\n10115 Berlin",
        contact_email="info@example.org",
    )
    application = Application.objects.create(
        programme=programme,
        organization=organization,
        created_by=applicant,
        title="New workshop",
        reference="RK-2026-0001",
        state="approved",
        submission_count=1,
        requested_amount=Decimal("150000.00"),
    )
    version = ApplicationVersion.objects.create(
        application=application,
        number=1,
        snapshot={"title": "New workshop"},
        submitted_at=WHEN,
        submitted_by=applicant,
        declared_truthful=True,
        declared_de_minimis=True,
        declared_authorized=True,
    )
    declarations = models["conflictdeclaration"]
    # Since reviews 0003 a declaration has its kind, in step with has_conflict.
    kind = {"kind": "other"} if "kind" in {f.name for f in declarations._meta.fields} else {}
    conflict = declarations.objects.create(
        application=application,
        user=reviewer,
        round=1,
        has_conflict=True,
        note="My cousin.",
        **kind,
    )
    reminder = models["reminder"].objects.create(
        key=f"review_due:{application.pk}:{reviewer.pk}:1",
        rule="review_due",
        recipient=reviewer,
        claim=CLAIM,
        sent_at=WHEN,
    )
    decision = models["decision"].objects.create(
        application=application,
        application_version=version,
        outcome="approve",
        status="confirmed",
        amount=Decimal("123456.78"),
        instrument="loan",
        loan_term_months=120,
        interest_rate=Decimal("1.25"),
        grace_period_months=12,
        conditions="Proof of use within 6 months.",
        reasons="Convincing plan.",
        proposed_by=proposer,
        confirmed_by=confirmer,
        confirmed_at=WHEN,
        closing_note="Unanimous.",
    )
    letter = models["decisionletter"].objects.create(
        application=application,
        decision=decision,
        number=1,
        status="sent",
        language="en",
        file=f"letters/{application.pk}/1-{SHA}.pdf",
        sha256=SHA,
        rendered_at=WHEN,
        sent_at=WHEN,
        attempts=1,
        recipients=["info@example.org"],
    )
    return {
        "conflictdeclaration": conflict,
        "reminder": reminder,
        "decision": decision,
        "decisionletter": letter,
    }


def _snapshot(apps, labels):
    """Every column of every row of the moved tables, read through the ORM."""
    return {
        name: list(model.objects.order_by("pk").values())
        for name, model in _models(apps, labels).items()
    }


def _assert_rows(apps, labels, rows, before):
    """The rows written before the migration are all there, value for value (in the columns
    both sides have: a moved model may gain fields later, e.g. DecisionLetter.last_error)."""
    after = _snapshot(apps, labels)
    assert after.keys() == before.keys()
    for name, old_rows in before.items():
        assert len(after[name]) == len(old_rows), name
        for row, old in zip(after[name], old_rows, strict=True):
            common = row.keys() & old.keys()
            assert {key: row[key] for key in common} == {key: old[key] for key in common}, name
    models = _models(apps, labels)
    conflict = models["conflictdeclaration"].objects.get()
    assert conflict.pk == rows["conflictdeclaration"].pk
    assert (conflict.round, conflict.has_conflict, conflict.note) == (1, True, "My cousin.")
    assert conflict.user.username == "mig-reviewer"
    assert conflict.application.reference == "RK-2026-0001"

    reminder = models["reminder"].objects.get()
    assert reminder.pk == rows["reminder"].pk
    assert (reminder.rule, reminder.claim, reminder.sent_at) == ("review_due", CLAIM, WHEN)
    assert reminder.recipient.username == "mig-reviewer"

    decision = models["decision"].objects.get()
    assert decision.pk == rows["decision"].pk
    assert (decision.outcome, decision.status) == ("approve", "confirmed")
    assert decision.amount == Decimal("123456.78")
    assert (decision.instrument, decision.loan_term_months, decision.grace_period_months) == (
        "loan",
        120,
        12,
    )
    assert decision.interest_rate == Decimal("1.25")
    assert decision.confirmed_at == WHEN
    assert decision.application.reference == "RK-2026-0001"
    assert decision.application_version.number == 1
    assert (decision.proposed_by.username, decision.confirmed_by.username) == (
        "mig-proposer",
        "mig-confirmer",
    )

    letter = models["decisionletter"].objects.get()
    assert letter.pk == rows["decisionletter"].pk
    assert letter.decision == decision
    assert letter.decision.application_id == decision.application_id == letter.application_id
    assert (letter.number, letter.status, letter.language, letter.attempts) == (1, "sent", "en", 1)
    assert letter.file.name == f"letters/{letter.application_id}/1-{SHA}.pdf"
    assert (letter.sha256, letter.recipients, letter.sent_at) == (SHA, ["info@example.org"], WHEN)
    assert list(decision.letters.all()) == [letter]


def _assert_new_rows_fit(apps, labels, rows):
    """New rows get fresh keys (the id sequences moved with the tables), constraints hold."""
    models = _models(apps, labels)
    decision = rows["decision"]
    application_id = decision.application_id
    later = {
        "conflictdeclaration": models["conflictdeclaration"].objects.create(
            application_id=application_id,
            user_id=decision.proposed_by_id,
            round=1,
            has_conflict=False,
        ),
        "reminder": models["reminder"].objects.create(
            key="second", rule="review_due", recipient_id=decision.proposed_by_id, claim=CLAIM
        ),
        "decision": models["decision"].objects.create(
            application_id=application_id,
            application_version_id=decision.application_version_id,
            outcome="reject",
            status="open",
            proposed_by_id=decision.proposed_by_id,
        ),
    }
    later["decisionletter"] = models["decisionletter"].objects.create(
        application_id=application_id, decision=later["decision"], number=2
    )
    for name, row in later.items():
        assert row.pk > rows[name].pk, name
    for row in reversed(later.values()):  # the letter first: it protects its decision
        row.delete()
    with pytest.raises(IntegrityError), transaction.atomic():  # approval_has_amount
        models["decision"].objects.create(
            application_id=application_id,
            application_version_id=decision.application_version_id,
            outcome="approve",
            status="void",
            amount=Decimal("0"),
            proposed_by_id=decision.proposed_by_id,
        )


# --- tables and content types --------------------------------------------------------------


def _assert_tables(present, absent):
    tables = set(connection.introspection.table_names())
    assert set(present.values()) <= tables
    assert not set(absent.values()) & tables
    with connection.cursor() as cursor:
        decisions = connection.introspection.get_constraints(cursor, present["decision"])
        letters = connection.introspection.get_constraints(cursor, present["decisionletter"])
        conflicts = connection.introspection.get_constraints(cursor, present["conflictdeclaration"])
        reminders = connection.introspection.get_constraints(cursor, present["reminder"])
    assert {"one_open_proposal", "approval_has_amount"} <= set(decisions)
    assert "unique_letter" in letters
    if present == OLD_TABLES:  # one declaration per person and round before reviews 0003
        assert "unique_conflict_declaration" in conflicts
    else:  # since, a correction is a new row that supersedes the previous one
        assert "unique_conflict_declaration" not in conflicts
        assert "conflict_lookup" in conflicts
    assert any(c["unique"] and c["columns"] == ["key"] for c in reminders.values())
    # The database's foreign key follows the renamed table.
    targets = {
        c["foreign_key"]
        for c in letters.values()
        if c["foreign_key"] and c["columns"] == ["decision_id"]
    }
    assert targets == {(present["decision"], "id")}
    connection.check_constraints()


def _prepare_content_types(apps, labels, others):
    """The content types (and a permission) of the moved models under ``labels`` only.

    A database that never had the other apps has no content types for them; the migrations
    must move the existing ones (keeping their ids) rather than leave them stale.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MOVED:
        ContentType.objects.filter(app_label=others[model], model=model).delete()
    types = {
        model: ContentType.objects.get_or_create(app_label=labels[model], model=model)[0]
        for model in MOVED
    }
    permission, _ = Permission.objects.get_or_create(
        content_type=types["decision"],
        codename="confirm_decision",
        defaults={"name": "Can confirm decision"},
    )
    return {model: ct.pk for model, ct in types.items()}, permission.pk


def _assert_content_types(apps, labels, others, type_ids, permission_id):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model, pk in type_ids.items():
        assert ContentType.objects.get(pk=pk).app_label == labels[model], model
        assert not ContentType.objects.filter(app_label=others[model], model=model).exists()
    assert ContentType.objects.get(model="decision").app_label == labels["decision"]
    assert Permission.objects.get(pk=permission_id).content_type_id == type_ids["decision"]


# --- the tests ------------------------------------------------------------------------------
# Real schema changes need real commits. Like the suite's other transactional tests, these
# reload the database's initial rows (content types, permissions, groups) before and flush
# without re-creating them after: the next serialized test loads them again itself.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_forward_keeps_rows_renames_tables_and_moves_content_types(migrator):
    old_apps = _migrate(OLD_NODES)
    _assert_tables(present=OLD_TABLES, absent=NEW_TABLES)
    rows = _create_rows(old_apps, OLD_LABELS)
    before = _snapshot(old_apps, OLD_LABELS)
    type_ids, permission_id = _prepare_content_types(old_apps, OLD_LABELS, MOVED)

    executor = _migrate_to_head()
    new_apps = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps

    _assert_tables(present=NEW_TABLES, absent=OLD_TABLES)
    _assert_rows(new_apps, MOVED, rows, before)
    _assert_content_types(new_apps, MOVED, OLD_LABELS, type_ids, permission_id)
    _assert_new_rows_fit(new_apps, MOVED, rows)

    # At the head, migrating to the head again has nothing to do.
    executor = _executor()
    leaves = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(leaves) == []
    executor.migrate(leaves)
    _assert_tables(present=NEW_TABLES, absent=OLD_TABLES)
    _assert_rows(new_apps, MOVED, rows, before)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backward_keeps_rows_and_forward_again(migrator):
    executor = _executor()
    new_apps = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    _assert_tables(present=NEW_TABLES, absent=OLD_TABLES)
    rows = _create_rows(new_apps, MOVED)
    before = _snapshot(new_apps, MOVED)
    type_ids, permission_id = _prepare_content_types(new_apps, MOVED, OLD_LABELS)

    old_apps = _migrate(OLD_NODES)

    _assert_tables(present=OLD_TABLES, absent=NEW_TABLES)
    _assert_rows(old_apps, OLD_LABELS, rows, before)
    _assert_content_types(old_apps, OLD_LABELS, MOVED, type_ids, permission_id)
    _assert_new_rows_fit(old_apps, OLD_LABELS, rows)

    executor = _migrate_to_head()
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    _assert_tables(present=NEW_TABLES, absent=OLD_TABLES)
    _assert_rows(new_apps, MOVED, rows, before)
    _assert_content_types(new_apps, MOVED, OLD_LABELS, type_ids, permission_id)
