"""A large, consistent funding history on PostgreSQL, written in SQL (``INSERT … SELECT`` over
``generate_series``): ``build(10_000)``, then ``build(1_000_000)`` adds the missing 990,000 on
top, in the same database (migrated by Django, used by nothing else meanwhile).

Application ``i`` (0, 1, 2, …) is a function of ``i`` alone, whatever the size built: its state
(per mille: 30 drafts, 20 submitted, 15 returned, 30 in review, 20 awaiting the decision, 520
approved, 250 rejected, 115 withdrawn), its story's moments (the open ones in the last 60 days,
the others up to ten years back), its programme (four), its organisation (``i // 50``) and its
reviewers (two or three of a sliding pool: one reviewer per 50 applications). What each state
implies is written with it:

- the reference ``RK-<year>-<nnnn>`` at the first submission, numbered per year after
  ``ReferenceCounter`` (which is raised to the last number handed out);
- one ``ApplicationVersion`` per submission (``submission_count``: one in seven submitted was
  returned once before the review and submitted again); ``last_submitted_at``;
- the transition log (``StateLog``) of every step, by whom the services would log it;
- returned: ``return_reason`` and ``return_deadline`` (14 days after the return);
- reviewed: assignments of the current round (``round = submission_count``) due 21 days after
  ``review_started_at``; in review some done, the rest open; withdrawn in review one done, the
  rest closed; a reviewer's declaration (no conflict) for each; a review with five scores for
  each done one (``total_score`` their mean, by the programme's rubric);
- awaiting the decision (``awaiting_since``) and decided: two board members declared no
  conflict; every third awaiting one has an open proposal; decided: the confirmed decision of
  the last version and its sent letter (``DecisionLetter``, number 1).

The cast (``cast()``): three coordinators, five board members, the veteran reviewer (one
application in a hundred over the years; of those not yet decided only a few, at any size) and
the search term of one organisation.

How it is fast: ids are explicit (a base per table, recorded in the table ``bench_million``,
and a stride per application), so that each table's rows are one ``INSERT … SELECT`` from a
staging table of the step's applications (``bench_million_app``, unlogged); two connections
write at once (the applications' own rows; the reviews); no trigger fires meanwhile (the
foreign keys' checks: ``session_replication_role = replica``, as a superuser; the rows are
consistent by construction); a step that at least doubles the size drops the written tables'
indexes that back no constraint and creates them again at the end from their own definitions
(``pg_get_indexdef``: the migrations' indexes, trigram ones too; kept in
``bench_million_indexes`` until then, and created by the next ``build`` if a step failed);
``VACUUM (ANALYZE)`` at the end, as autovacuum would. Each table's sequence is moved past the ids
reserved for ``MAX_APPLICATIONS``, so that rows the application adds never take an id a later
step writes.
"""

import contextlib
import datetime
import functools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection
from psycopg import sql

MAX_APPLICATIONS = 10_000_000
APPLICATIONS_PER_ORGANIZATION = 50
REVIEWER_WINDOW = 40  # reviewers of application i: 2–3 of those numbered i // 50 … + 39
PROGRAMMES = 4
PROGRAMME_OF_SLOT = (0, 0, 0, 0, 1, 1, 1, 2, 2, 3)  # by i % 10
COORDINATORS = 3
BOARD = ("Anna Albers", "Bernd Brandt", "Clara Conrad", "Dieter Dahl", "Eva Engel")
# The states, per mille (cumulative bounds in ``STATE_SQL``).
STATE_SHARES = (
    ("draft", 30),
    ("submitted", 20),
    ("returned", 15),
    ("in_review", 30),
    ("awaiting_decision", 20),
    ("approved", 520),
    ("rejected", 250),
    ("withdrawn", 115),
)
OPEN_DAYS = 60  # an application in an open state began in the last 60 days
HISTORY_DAYS = 3650  # the others up to ten years ago (and at least 60 days)
STORY_DAYS = 90  # from the draft to the decision at most
REVIEW_DAYS = 21
RETURN_DAYS = 14
VETERAN_EVERY = 100  # the veteran reviews application i when i % 100 == 37 …
# … but of those not yet decided (the reviewer's current list) only among the first 10,000
VETERAN_OPEN_BELOW = 10_000
SEARCH_ORGANIZATION = 3  # the organisation whose name ``cast().search`` is a fragment of
SYLLABLES = ("ka", "lo", "ren", "mi", "to", "sa", "bel", "du", "fi", "gan", "ho", "ju", "ler",
             "mo", "nis", "ta")  # fmt: skip
TRADES = ("Werkstätten", "Inklusionsbetrieb", "Service", "Manufaktur", "Dienste")
TITLES = (
    "Neue Großküche",
    "Erweiterung der Wäscherei",
    "Fahrzeuge für den Lieferdienst",
    "Umbau des Hotelbetriebs",
    "Digitale Auftragsabwicklung",
    "Maschinen für die Schreinerei",
    "Café im Stadtteilzentrum",
    "Photovoltaik auf dem Betriebsgebäude",
    "Lager und Kommissionierung",
    "Geräte für den Garten- und Landschaftsbau",
)
PLACES = ("Köln", "Bonn", "Aachen", "Düsseldorf", "Essen", "Duisburg", "Dortmund", "Bochum",
          "Münster", "Bielefeld", "Paderborn", "Siegen", "Wuppertal", "Krefeld", "Mönchengladbach",
          "Hagen", "Hamm", "Detmold", "Minden", "Gütersloh", "Solingen", "Leverkusen", "Neuss",
          "Düren")  # fmt: skip
REGIONS = ("rheinland", "westfalen_lippe", "rheinland", "westfalen_lippe", "")
RETURN_REASON = "Bitte ergänzen Sie den Finanzierungsplan und die Kostenaufstellung."
REJECTION_REASONS = "Die Finanzierung ist nicht gesichert."
WITHDRAW_REASON = "Projekt verschoben."
REVIEW_COMMENT = "Tragfähiges Konzept mit nachvollziehbarem Finanzierungsplan."
META = "bench_million"
STAGE = "bench_million_app"  # the applications of a step, while it is written
INDEXES = "bench_million_indexes"  # the definitions of the indexes dropped meanwhile
# Tables whose ids are explicit: (table, base key, ids reserved per application).
EXPLICIT_IDS = (
    ("auth_user", "user0", None),
    ("funding_organization", "org0", None),
    ("applications_application", "app0", 1),
    ("applications_applicationversion", "ver0", 2),
    ("reviews_assignment", "asg0", 3),
    ("reviews_review", "rev0", 3),
    ("decisions_decision", "dec0", 1),
    ("decisions_decisionletter", "let0", 1),
)
# The tables written (VACUUM ANALYZE at the end).
TABLES = (
    "auth_user",
    "auth_user_groups",
    "funding_organization",
    "funding_membership",
    "applications_application",
    "applications_applicationversion",
    "applications_referencecounter",
    "django_fsm_log_statelog",
    "reviews_assignment",
    "reviews_conflictdeclaration",
    "reviews_review",
    "reviews_score",
    "decisions_decision",
    "decisions_decisionletter",
)
# User ids: USER0 + 0…99 the staff, then four per slot x: 4x (the admin of organisation x),
# 4x + 1 (its second member, every third organisation), 4x + 2 (reviewer x).
STAFF = 100
VETERAN_OFFSET = 20
BOARD_OFFSET = 10


@dataclass
class Cast:
    """Who the benchmarks act as, and what they ask for."""

    applications: int
    coordinators: list  # user ids
    board: list  # user ids
    veteran: int  # user id of the reviewer with the most reviews
    programmes: list  # programme ids
    search: str  # a fragment of one organisation's name (matching its 50 applications)


def _lit(value):
    """An SQL literal (quoted by psycopg) of a Python value: str, int, list of str."""
    if isinstance(value, list | tuple):
        return "ARRAY[" + ", ".join(_lit(v) for v in value) + "]"
    return sql.Literal(value).as_string(connection.connection)


def _run(statement):
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.rowcount


def _one(statement):
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()[0]


def _meta():
    _run(f"CREATE TABLE IF NOT EXISTS {META} (key text PRIMARY KEY, value bigint NOT NULL)")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, value FROM {META}")
        return dict(cursor.fetchall())


def _save_meta(values):
    rows = ", ".join(f"({_lit(k)}, {int(v)})" for k, v in values.items())
    _run(
        f"INSERT INTO {META} (key, value) VALUES {rows} "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    )


def organization_word(o):
    """The made-up word that names organisation ``o`` (four syllables; unique up to 65,536)."""
    x = (o * 7919 + 12345) % 65536
    return "".join(SYLLABLES[(x >> shift) % 16] for shift in (0, 4, 8, 12)).capitalize()


def _word_sql(o):
    """``organization_word`` in SQL, of the integer expression ``o``."""
    x = f"(({o}) * 7919 + 12345) % 65536"
    parts = [f"({_lit(list(SYLLABLES))})[1 + ({x} >> {shift}) % 16]" for shift in (0, 4, 8, 12)]
    return f"initcap({' || '.join(parts)})"


def cast():
    """The cast of the database built (after ``build``)."""
    meta = _meta()
    user0 = meta["user0"]
    return Cast(
        applications=meta.get("n", 0),
        coordinators=[user0 + k for k in range(COORDINATORS)],
        board=[user0 + BOARD_OFFSET + k for k in range(len(BOARD))],
        veteran=user0 + VETERAN_OFFSET,
        programmes=[meta[f"programme{p}"] for p in range(PROGRAMMES)],
        search=organization_word(SEARCH_ORGANIZATION),
    )


def build(n, log=None, rebuild_indexes=None):
    """Grow the database to ``n`` applications (nothing if it has as many). Returns
    ``{"applications": n, "added": …, "s": seconds, "steps": {step: seconds}}``.

    ``rebuild_indexes``: drop the written tables' indexes that back no constraint before and
    create them again after (from their definitions, ``pg_get_indexdef``): much faster than
    keeping them up to date row by row. By default when the step at least doubles the size."""
    if connection.vendor != "postgresql":
        raise RuntimeError("benchmarks.million writes PostgreSQL only.")
    if n > MAX_APPLICATIONS:
        raise ValueError(f"At most {MAX_APPLICATIONS} applications.")
    start = time.perf_counter()
    meta = _meta()
    if not meta:
        meta = _first_build()
    have = meta.get("n", 0)
    steps = {}
    _restore_indexes(steps, log)  # (left by a build that stopped half-way)
    if n > have:
        if rebuild_indexes is None:
            rebuild_indexes = n - have >= have
        with _session(), _triggers_off():
            with _indexes_dropped(rebuild_indexes, steps, log):
                _Writer(meta, have, n, steps, log).all()
            meta["n"] = n
            _save_meta(meta)
        _analyze(steps)
    return {
        "applications": max(n, have),
        "added": max(0, n - have),
        "s": round(time.perf_counter() - start, 1),
        "steps": steps,
    }


SESSION = {
    "synchronous_commit": "off",
    "work_mem": "256MB",
    "maintenance_work_mem": "1GB",
    "jit": "off",  # (compiling the long expressions took longer than running them)
}


@contextlib.contextmanager
def _session():
    """The build's settings for this connection meanwhile (the measurements run without)."""
    for name, value in SESSION.items():
        _run(f"SET {name} = '{value}'")
    try:
        yield
    finally:
        for name in SESSION:
            _run(f"RESET {name}")


@contextlib.contextmanager
def _triggers_off():
    """No trigger fires meanwhile, the foreign keys' checks neither (``session_replication_role``
    = replica, for a superuser): every row written refers to rows written before it."""
    try:
        _run("SET session_replication_role = replica")
    except Exception:  # not a superuser: the checks run (slower, as correct)
        yield
        return
    try:
        yield
    finally:
        _run("RESET session_replication_role")


@contextlib.contextmanager
def _indexes_dropped(drop, steps, log):
    """With ``drop``: the indexes of ``TABLES`` that back no constraint dropped meanwhile, their
    definitions kept in ``bench_million_indexes`` until they are created again."""
    if not drop:
        yield
        return
    began = time.perf_counter()
    if connection.in_atomic_block:  # checks pending on a table block its indexes' creation
        _run("SET CONSTRAINTS ALL IMMEDIATE")
        _run("SET CONSTRAINTS ALL DEFERRED")
    _run(f"CREATE TABLE IF NOT EXISTS {INDEXES} (name text PRIMARY KEY, definition text NOT NULL)")
    tables = ", ".join(_lit(f"public.{table}") for table in TABLES)
    _run(
        f"INSERT INTO {INDEXES} (name, definition) SELECT i.relname, pg_get_indexdef(i.oid) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        f"WHERE x.indrelid IN (SELECT unnest(ARRAY[{tables}]::regclass[])) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ON CONFLICT (name) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM {INDEXES} ORDER BY name")
        names = [name for (name,) in cursor.fetchall()]
    for name in names:
        _run(f'DROP INDEX IF EXISTS "{name}"')
    steps["drop_indexes"] = round(time.perf_counter() - began, 2)
    try:
        yield
    finally:
        _restore_indexes(steps, log)


def _restore_indexes(steps, log):
    """Create the indexes ``_indexes_dropped`` recorded (each that is missing), the largest
    tables' first, two at a time (one in a test's transaction)."""
    if _one(f"SELECT to_regclass('{INDEXES}') IS NULL"):
        return
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, definition FROM {INDEXES} ORDER BY "
            "definition LIKE '%gin_trgm_ops%' DESC, "  # (the slowest to build)
            "pg_total_relation_size(substring(definition FROM ' ON (\\S+) ')::regclass) DESC"
        )
        recorded = cursor.fetchall()
    if not recorded:
        return
    if connection.in_atomic_block:
        _create_indexes(recorded)
    else:
        _in_parallel([functools.partial(_create_indexes, recorded[k::2], True) for k in (0, 1)])
    _run(f"DELETE FROM {INDEXES}")
    seconds = time.perf_counter() - began
    steps["create_indexes"] = round(steps.get("create_indexes", 0) + seconds, 2)
    if log:
        log(f"    {len(recorded)} indexes created again in {seconds:.1f} s")


def _create_indexes(recorded, own_connection=False):
    try:
        _run("SET maintenance_work_mem = '512MB'")
        for name, definition in recorded:
            if _one(f"SELECT to_regclass({_lit('public.' + name)}) IS NULL"):
                _run(definition)
        _run("RESET maintenance_work_mem")
    finally:
        if own_connection:
            connection.close()


def _in_parallel(calls):
    """Each of ``calls`` in a thread of its own (each with its own database connection);
    raises the first error."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


def _analyze(steps):
    start = time.perf_counter()
    if connection.in_atomic_block:  # (a test's transaction: VACUUM cannot run in one)
        for table in TABLES:
            _run(f"ANALYZE {table}")
    else:
        for table in TABLES:  # the visibility map too, as autovacuum would keep it
            _run(f"VACUUM (ANALYZE) {table}")
    steps["vacuum_analyze"] = round(time.perf_counter() - start, 2)


def _first_build():
    """The bases of the explicit ids, the staff, the programmes (with their default rubric)."""
    from funding.models import Programme

    meta = {}
    for table, key, _stride in EXPLICIT_IDS:
        meta[key] = _one(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    for p in range(PROGRAMMES):
        programme = Programme.objects.create(
            name=f"Risikokapitalfonds Million {p + 1}",
            budget=10_000_000_000,
            max_amount=150_000,
            opens_on=datetime.date(2015, 1, 1),
            review_cap=50,
        )
        meta[f"programme{p}"] = programme.pk
    user0 = meta["user0"]
    staff = [
        (user0 + k, f"m-coordinator-{k + 1}", "Koordination", f"Team {k + 1}", "coordinators")
        for k in range(COORDINATORS)
    ]
    for k, name in enumerate(BOARD):
        first, last = name.split()
        staff.append((user0 + BOARD_OFFSET + k, f"m-board-{k + 1}", first, last, "board"))
    staff.append((user0 + VETERAN_OFFSET, "m-veteran", "Vera", "Veteran", "reviewers"))
    rows = ", ".join(
        f"({pk}, '!', false, {_lit(username)}, {_lit(first)}, {_lit(last)}, "
        f"{_lit(username + '@example.org')}, false, true, now())"
        for pk, username, first, last, _group in staff
    )
    _run(
        "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, "
        f"email, is_staff, is_active, date_joined) VALUES {rows}"
    )
    groups = ", ".join(
        f"({pk}, (SELECT id FROM auth_group WHERE name = {_lit(group)}))"
        for pk, _u, _f, _l, group in staff
    )
    _run(f"INSERT INTO auth_user_groups (user_id, group_id) VALUES {groups}")
    _reserve(meta)
    _save_meta(meta)
    return meta


def _reserve(meta):
    """Each table's sequence past the ids reserved for ``MAX_APPLICATIONS``, so that rows the
    application adds meanwhile never take an id a later ``build`` writes."""
    slots = _slots(MAX_APPLICATIONS, REVIEWER_WINDOW)
    top = {
        "user0": meta["user0"] + STAFF + 4 * slots,
        "org0": meta["org0"] + slots,
    }
    for table, key, stride in EXPLICIT_IDS:
        last = top.get(key) or meta[key] + stride * MAX_APPLICATIONS
        _run(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"greatest({last}, (SELECT coalesce(max(id), 1) FROM {table})))"
        )


def _slots(n, extra):
    """Organisations (``extra`` 0) or reviewers (``extra`` the window) of ``n`` applications."""
    return 0 if n == 0 else (n - 1) // APPLICATIONS_PER_ORGANIZATION + 1 + extra


def _state_sql():
    bound, cases = 0, []
    for state, share in STATE_SHARES:
        bound += share
        cases.append(f"WHEN s < {bound} THEN '{state}'")
    assert bound == 1000
    return "CASE " + " ".join(cases) + " END"


class _Writer:
    """The statements of one ``build`` step: applications ``start`` … ``stop - 1``."""

    def __init__(self, meta, start, stop, steps, log):
        self.m, self.start, self.stop, self.steps, self.log = meta, start, stop, steps, log
        self.now = _one("SELECT now()")
        self.user0 = meta["user0"]
        self.coordinator = f"({self.user0} + a.i % {COORDINATORS})"
        self.board = [self.user0 + BOARD_OFFSET + k for k in range(len(BOARD))]
        programmes = [meta[f"programme{p}"] for p in range(PROGRAMMES)]
        self.programme_of_slot = [programmes[p] for p in PROGRAMME_OF_SLOT]

    def step(self, name, statement):
        began = time.perf_counter()
        rows = _run(statement)
        seconds = time.perf_counter() - began
        self.steps[name] = round(self.steps.get(name, 0) + seconds, 2)
        if self.log:
            self.log(f"    {name}: {rows} rows in {seconds:.1f} s")

    def all(self):
        """Organisations and people, the staging table, then the rows in two connections at
        once (one in a test's transaction)."""
        self.people()
        self.staging()
        groups = [
            (self.applications, self.versions, self.state_log, self.decisions),
            (self.reviews,),
        ]
        if connection.in_atomic_block:  # (other connections would not see the rows)
            self.functions()
            for group in groups:
                for write in group:
                    write()
        else:
            _in_parallel([functools.partial(self.group, group) for group in groups])
        _run(f"DROP TABLE IF EXISTS {STAGE}")

    def group(self, writes):
        """``writes`` in this thread's own connection, with the build's settings."""
        try:
            with _session(), _triggers_off():
                self.functions()
                for write in writes:
                    write()
        finally:
            connection.close()

    # ----- helpers in SQL ----------------------------------------------------------------------

    def functions(self):
        """The reviewer of assignment k of application i; the points of a score."""
        veteran = self.user0 + VETERAN_OFFSET
        pool = f"{self.user0} + {STAFF} + 4 * (i / {APPLICATIONS_PER_ORGANIZATION} + "
        _run(
            "CREATE OR REPLACE FUNCTION pg_temp.m_reviewer(i bigint, k int, nrev int, "
            "state text) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT CASE "
            f"WHEN k = nrev - 1 AND i % {VETERAN_EVERY} = 37 AND (state IN ('approved', "
            "'rejected', 'withdrawn') OR "
            f"i < {VETERAN_OPEN_BELOW}) THEN {veteran} "
            f"ELSE ({pool}(i * 7 + k * 13) % {REVIEWER_WINDOW}) + 2)::int END $$"
        )
        _run(
            "CREATE OR REPLACE FUNCTION pg_temp.m_point(aid bigint, pos int, quality int) "
            "RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT greatest(1, least(5, "
            "quality + (abs(hashint8(aid * 8 + pos)) % 3)::int - 1)) $$"
        )

    # ----- organisations, their members, the reviewers ---------------------------------------

    def people(self):
        o_from, o_to = _slots(self.start, 0), _slots(self.stop, 0)
        r_from, r_to = _slots(self.start, REVIEWER_WINDOW), _slots(self.stop, REVIEWER_WINDOW)
        word = _word_sql("o")
        trades, places = _lit(list(TRADES)), _lit(list(PLACES))
        self.step(
            "organizations",
            "INSERT INTO funding_organization (id, name, legal_form, register_number, "
            "non_profit, representative, address, contact_email, language, iban, version, "
            f"region) SELECT {self.m['org0']} + o, {word} || ' ' || ({trades})[1 + o % 5] || "
            "' gGmbH', 'ggmbh', 'HRB ' || (10000 + o), true, 'Maria Beispiel', "
            f"{word} || ' gGmbH' || E'\\n' || 'Werkstraße ' || (1 + o % 120) || E'\\n' || "
            f"(40000 + o % 9000) || ' ' || ({places})[1 + o % 24], "
            "'kontakt' || o || '@example.org', 'de', 'DE89370400440532013000', 1, "
            f"({_lit(list(REGIONS))})[1 + o % 5] "
            f"FROM generate_series({o_from}, {o_to - 1}) AS o ORDER BY o",
        )
        base = f"{self.user0} + {STAFF}"
        self.step(
            "users",
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, "
            "last_name, email, is_staff, is_active, date_joined) "
            "SELECT id, '!', false, username, first, last, username || '@example.org', false, "
            f"true, {_lit(self.now)}::timestamptz FROM ("
            f"  SELECT {base} + 4 * o + m AS id, 'm-applicant-' || o || '-' || m AS username, "
            f"  ({_lit(['Jana', 'Lukas', 'Mia', 'Paul', 'Sara'])})[1 + (o + m) % 5] AS first, "
            f"  {_word_sql('o')} AS last "
            f"  FROM generate_series({o_from}, {o_to - 1}) AS o, generate_series(0, 1) AS m "
            "  WHERE m = 0 OR o % 3 = 0 "
            "  UNION ALL "
            f"  SELECT {base} + 4 * r + 2, 'm-reviewer-' || r, "
            f"  ({_lit(['Ute', 'Jörg', 'Nina', 'Tim'])})[1 + r % 4], 'Gutachter ' || r "
            f"  FROM generate_series({r_from}, {r_to - 1}) AS r"
            ") AS u ORDER BY id",
        )
        self.step(
            "memberships",
            "INSERT INTO funding_membership (created_at, user_id, organization_id, is_admin) "
            f"SELECT {_lit(self.now)}::timestamptz, {base} + 4 * o + m, {self.m['org0']} + o, "
            f"m = 0 FROM generate_series({o_from}, {o_to - 1}) AS o, generate_series(0, 1) AS m "
            "WHERE m = 0 OR o % 3 = 0",
        )
        self.step(
            "user_groups",
            "INSERT INTO auth_user_groups (user_id, group_id) "
            f"SELECT {base} + 4 * r + 2, (SELECT id FROM auth_group WHERE name = 'reviewers') "
            f"FROM generate_series({r_from}, {r_to - 1}) AS r",
        )

    # ----- the applications' stories -------------------------------------------------------------

    def staging(self):
        """``STAGE``: one row per application with its story (state, rounds, moments)."""
        _run(f"DROP TABLE IF EXISTS {STAGE}")
        per_org = APPLICATIONS_PER_ORGANIZATION
        t = "created + d * "  # a moment of the story: a fraction of its length after created
        self.step(
            "staging",
            f"""
CREATE UNLOGGED TABLE {STAGE} AS
WITH g AS (
  SELECT i, abs(hashint8(i * 16 + 1)) % 1000 AS s, abs(hashint8(i * 16 + 2)) AS h2,
         abs(hashint8(i * 16 + 3)) AS h3, abs(hashint8(i * 16 + 4)) AS h4
  FROM generate_series({self.start}::bigint, {self.stop - 1}) AS i
), s AS (
  SELECT *, {_state_sql()} AS state FROM g
), v AS (
  SELECT *,
    CASE WHEN state = 'withdrawn' THEN 1 + (h4 % 10 >= 3)::int + (h4 % 10 >= 6)::int
         ELSE 0 END AS wv,  -- withdrawn: 1 as a draft, 2 submitted, 3 in review
    state IN ('draft', 'submitted', 'returned', 'in_review', 'awaiting_decision') AS open
  FROM s
), w AS MATERIALIZED (
  SELECT *,
    (state NOT IN ('draft', 'returned') AND wv <> 1 AND h3 % 100 < 15) AS ro,
    (state IN ('in_review', 'awaiting_decision', 'approved', 'rejected') OR wv = 3) AS reviewed,
    CASE WHEN open THEN interval '1 day' * (1 + h2 % {OPEN_DAYS - 1})
         ELSE interval '1 day' * ({OPEN_DAYS} + h2 % {HISTORY_DAYS - OPEN_DAYS}) END
      + interval '1 second' * ((h2 / 4096) % 86400) AS age
  FROM v
), x AS (
  SELECT i, state, wv, ro, reviewed,
    CASE WHEN state = 'draft' OR wv = 1 THEN 0 WHEN ro THEN 2 ELSE 1 END AS sc,
    2 + ((h3 / 100) % 4 = 0)::int AS nrev,
    CASE WHEN state = 'approved' THEN 3 + (h4 / 20) % 3
         WHEN state = 'rejected' THEN 1 + (h4 / 20) % 3 ELSE 1 + (h4 / 20) % 5 END AS quality,
    (h4 / 100) % 2 AS half,
    {_lit(self.now)}::timestamptz - age AS created,
    least(age, interval '{STORY_DAYS} days') AS d
  FROM w
), y AS MATERIALIZED (
  SELECT x.*,
    CASE WHEN state IN ('awaiting_decision', 'approved', 'rejected') THEN nrev
         WHEN state = 'in_review' THEN half WHEN wv = 3 THEN 1 ELSE 0 END AS ndone,
    {t}0.10 AS t_sub1, {t}0.20 AS t_ret, {t}0.35 AS t_sub2, {t}0.45 AS t_start,
    {t}0.76 AS t_complete, {t}0.85 AS t_propose, {t}0.95 AS t_decide,
    created + d * CASE wv WHEN 1 THEN 0.30 WHEN 2 THEN 0.40 ELSE 0.65 END AS t_withdraw
  FROM x
), z AS (
  SELECT y.*,
    extract(year FROM t_sub1 AT TIME ZONE 'Europe/Berlin')::int AS ref_year,
    row_number() OVER (PARTITION BY sc > 0, extract(year FROM t_sub1 AT TIME ZONE
      'Europe/Berlin') ORDER BY t_sub1, i) AS ref_rank
  FROM y
)
SELECT z.*, {self.m["app0"]} + i AS id,
  ({_lit(self.programme_of_slot)}::bigint[])[1 + i % 10] AS programme_id,
  ({_lit(list(PROGRAMME_OF_SLOT))})[1 + i % 10] AS prog,
  {self.m["org0"]} + i / {per_org} AS organization_id,
  ({self.user0} + {STAFF} + 4 * (i / {per_org}))::int AS applicant,
  CASE WHEN sc > 0 THEN coalesce(c.last, 0) + ref_rank END AS ref_number,
  ({_lit(list(TITLES))})[1 + i % 10] || ' in ' || ({_lit(list(PLACES))})[1 + (i / 10) % 24]
    AS title,
  (50000 + (i * 7) % 40 * 5000)::numeric AS eligible,
  CASE WHEN i % 3 = 2 THEN 'silent_partnership' ELSE 'loan' END AS instrument
FROM z LEFT JOIN applications_referencecounter c ON c.year = z.ref_year
""",
        )

    def applications(self):
        reference = (
            "CASE WHEN sc > 0 THEN 'RK-' || ref_year || '-' || CASE WHEN ref_number < 10000 "
            "THEN lpad(ref_number::text, 4, '0') ELSE ref_number::text END END"
        )
        updated = (
            "CASE state WHEN 'draft' THEN created + d * 0.5 WHEN 'submitted' THEN "
            "CASE WHEN ro THEN t_sub2 ELSE t_sub1 END WHEN 'returned' THEN t_ret "
            "WHEN 'in_review' THEN t_start WHEN 'awaiting_decision' THEN t_complete "
            "WHEN 'withdrawn' THEN t_withdraw ELSE t_decide END"
        )
        loan = "instrument = 'loan'"
        self.step(
            "applications",
            f"""
INSERT INTO applications_application (id, reference, state, version, submission_count,
  created_at, updated_at, submitted_at, last_submitted_at, review_started_at, awaiting_since,
  return_reason, return_deadline, title, purpose, cost_items, eligible_costs, planned_start,
  requested_amount, instrument, loan_term_months, interest_rate, grace_period_months,
  own_contribution, other_funding, other_funders, staff_total, staff_severely_disabled,
  jobs_new, jobs_secured, cooperation_partner, cooperation_description, de_minimis_received,
  de_minimis_details, created_by_id, organization_id, programme_id, erased_at, sector_id)
SELECT id, {reference}, state, 1 + sc, sc,
  created, {updated},
  CASE WHEN sc > 0 THEN t_sub1 END,
  CASE WHEN sc = 2 THEN t_sub2 WHEN sc = 1 THEN t_sub1 END,
  CASE WHEN reviewed THEN t_start END,
  CASE WHEN state IN ('awaiting_decision', 'approved', 'rejected') THEN t_complete END,
  CASE WHEN state = 'returned' THEN {_lit(RETURN_REASON)} ELSE '' END,
  CASE WHEN state = 'returned'
    THEN (t_ret AT TIME ZONE 'Europe/Berlin')::date + {RETURN_DAYS} END,
  title,
  'Ausbau des Betriebs und neue Arbeitsplätze für schwerbehinderte Menschen in der Region.',
  'Maschinen und Geräte ' || round(eligible * 0.6) || E' €\\nUmbau ' || round(eligible * 0.4)
    || ' €',
  eligible, (created AT TIME ZONE 'Europe/Berlin')::date + 120,
  round(eligible * 0.6, -3), instrument,
  CASE WHEN {loan} THEN 84 END, CASE WHEN {loan} THEN 1.50 END, CASE WHEN {loan} THEN 12 END,
  eligible * 0.2, eligible - round(eligible * 0.6, -3) - eligible * 0.2, '',
  12 + i % 40, (12 + i % 40) * (30 + i % 30) / 100, i % 5, 1 + i % 4,
  'Kooperationspartner ' || lpad((i % 60)::text, 2, '0') || ' GmbH',
  'Kantinen- und Montagearbeiten für die Belegschaft des Partners.',
  (i % 8) * 5000, '', applicant, organization_id, programme_id, NULL, NULL
FROM {STAGE} ORDER BY id
""",
        )
        self.step(
            "reference_counters",
            "INSERT INTO applications_referencecounter (year, last) "
            f"SELECT ref_year, max(ref_number) FROM {STAGE} WHERE sc > 0 GROUP BY ref_year "
            "ON CONFLICT (year) DO UPDATE SET last = "
            "greatest(applications_referencecounter.last, EXCLUDED.last)",
        )

    def versions(self):
        self.step(
            "versions",
            f"""
INSERT INTO applications_applicationversion (id, number, snapshot, submitted_at,
  declared_truthful, declared_de_minimis, declared_authorized, application_id, submitted_by_id)
SELECT {self.m["ver0"]} + 2 * a.i + v.n - 1, v.n,
  jsonb_build_object('title', a.title, 'instrument', a.instrument,
    'eligible_costs', a.eligible::text, 'requested_amount', round(a.eligible * 0.6, -3)::text),
  v.at, true, true, true, a.id, a.applicant
FROM {STAGE} a CROSS JOIN LATERAL (VALUES (1, a.t_sub1), (2, a.t_sub2)) AS v(n, at)
WHERE v.n <= a.sc ORDER BY 1
""",
        )

    def state_log(self):
        content_type = _one(
            "SELECT id FROM django_content_type WHERE app_label = 'applications' "
            "AND model = 'application'"
        )
        version = [
            "rk:" + json.dumps({"key": "version", "n": n}, ensure_ascii=False, sort_keys=True)
            for n in (1, 2)
        ]
        complete = "rk:" + json.dumps({"key": "round_complete"})
        confirmed = [
            "rk:"
            + json.dumps(
                {"key": "confirmed_by", "proposer": BOARD[m], "user": BOARD[(m + 1) % len(BOARD)]},
                ensure_ascii=False,
                sort_keys=True,
            )
            for m in range(len(BOARD))
        ]
        last_reviewer = "pg_temp.m_reviewer(a.i, a.nrev - 1, a.nrev, a.state)"
        confirmer = f"({_lit(self.board)}::int[])[1 + (a.i + 1) % {len(BOARD)}]"
        self.step(
            "state_log",
            f"""
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition,
  content_type_id, object_id, description)
SELECT e.at, e.by, e.source, e.target, e.transition, {content_type}, a.id, e.note
FROM {STAGE} a CROSS JOIN LATERAL (VALUES
  (a.sc >= 1, a.t_sub1, a.applicant, 'draft', 'submitted', 'submit', {_lit(version[0])}),
  (a.ro OR a.state = 'returned', a.t_ret, {self.coordinator}, 'submitted', 'returned',
    'return_for_revision', {_lit(RETURN_REASON)}),
  (a.ro, a.t_sub2, a.applicant, 'returned', 'submitted', 'submit', {_lit(version[1])}),
  (a.reviewed, a.t_start, {self.coordinator}, 'submitted', 'in_review', 'start_review', NULL),
  (a.state IN ('awaiting_decision', 'approved', 'rejected'), a.t_complete, {last_reviewer},
    'in_review', 'awaiting_decision', 'complete_review', {_lit(complete)}),
  (a.state IN ('approved', 'rejected'), a.t_decide, {confirmer}, 'awaiting_decision', a.state,
    CASE a.state WHEN 'approved' THEN 'approve' ELSE 'reject' END,
    ({_lit(confirmed)})[1 + a.i % {len(BOARD)}]),
  (a.state = 'withdrawn', a.t_withdraw, a.applicant,
    CASE a.wv WHEN 1 THEN 'draft' WHEN 2 THEN 'submitted' ELSE 'in_review' END, 'withdrawn',
    'withdraw', {_lit(WITHDRAW_REASON)})
) AS e(happened, at, by, source, target, transition, note)
WHERE e.happened ORDER BY a.id, e.at
""",
        )

    # ----- reviews ---------------------------------------------------------------------------

    def reviews(self):
        asg = f"{self.m['asg0']} + 3 * a.i + k"
        rounds = f"FROM {STAGE} a CROSS JOIN LATERAL generate_series(0, a.nrev - 1) AS k"
        self.step(
            "assignments",
            f"""
INSERT INTO reviews_assignment (id, round, status, assigned_at, due_on, application_id,
  assigned_by_id, reviewer_id, decline_reason, archived)
SELECT {asg}, a.sc,
  CASE WHEN k < a.ndone THEN 'done' WHEN a.state = 'in_review' THEN 'open' ELSE 'closed' END,
  a.t_start - interval '1 hour', (a.t_start AT TIME ZONE 'Europe/Berlin')::date + {REVIEW_DAYS},
  a.id, {self.coordinator}, pg_temp.m_reviewer(a.i, k, a.nrev, a.state), '',
  a.state IN ('approved', 'rejected', 'withdrawn')
{rounds} WHERE a.reviewed ORDER BY 1
""",
        )
        self.step(
            "reviewer_declarations",
            f"""
INSERT INTO reviews_conflictdeclaration (round, has_conflict, note, declared_at,
  application_id, user_id, kind, role, supersedes_id)
SELECT a.sc, false, '', a.t_start, a.id, pg_temp.m_reviewer(a.i, k, a.nrev, a.state), 'none',
  'reviewer', NULL
{rounds} WHERE a.reviewed AND (k < a.ndone OR a.state = 'in_review') ORDER BY a.id, k
""",
        )
        rubrics = _lit(
            [
                _one(f"SELECT id FROM reviews_rubric WHERE programme_id = {pk} AND version = 1")
                for pk in (self.m[f"programme{p}"] for p in range(PROGRAMMES))
            ]
        )
        at = "a.t_start + a.d * (0.15 + 0.07 * k)"  # 0.60, 0.67, 0.74 of the story
        self.step(
            "reviews",
            f"""
INSERT INTO reviews_review (id, recommendation, comment, submitted_at, updated_at,
  assignment_id, confidence, total_score, rubric_id)
SELECT {self.m["rev0"]} + 3 * a.i + k,
  CASE WHEN p.total >= 20 THEN 'approve' WHEN p.total >= 14 THEN 'approve_with_conditions'
       ELSE 'reject' END,
  {_lit(REVIEW_COMMENT)}, {at}, {at}, {asg},
  (ARRAY['low', 'medium', 'high'])[1 + (a.i + k) % 3], round(p.total / 5.0, 2),
  ({rubrics}::bigint[])[1 + a.prog]
{rounds}
CROSS JOIN LATERAL (SELECT sum(pg_temp.m_point({asg}, q, a.quality)) AS total
                    FROM generate_series(0, 4) AS q) AS p
WHERE k < a.ndone ORDER BY 1
""",
        )
        _run("DROP TABLE IF EXISTS m_criteria")
        _run(
            "CREATE TEMP TABLE m_criteria AS SELECT p.prog, c.position AS pos, c.id "
            "FROM reviews_criterion c JOIN reviews_rubric r ON r.id = c.rubric_id "
            f"JOIN (SELECT unnest({_lit([self.m[f'programme{p}'] for p in range(PROGRAMMES)])}"
            "::bigint[]) AS programme_id, generate_series(0, "
            f"{PROGRAMMES - 1}) AS prog) AS p ON p.programme_id = r.programme_id "
            "WHERE r.version = 1"
        )
        self.step(
            "scores",
            f"""
INSERT INTO reviews_score (value, criterion_id, review_id)
SELECT pg_temp.m_point({asg}, c.pos, a.quality), c.id, {self.m["rev0"]} + 3 * a.i + k
{rounds} JOIN m_criteria c ON c.prog = a.prog
WHERE k < a.ndone ORDER BY a.i, k, c.pos
""",
        )

    # ----- the board ---------------------------------------------------------------------------

    def decisions(self):
        members = f"({_lit(self.board)}::int[])"
        n = len(BOARD)
        self.step(
            "board_declarations",
            f"""
INSERT INTO reviews_conflictdeclaration (round, has_conflict, note, declared_at,
  application_id, user_id, kind, role, supersedes_id)
SELECT a.sc, false, '', a.created + a.d * 0.80, a.id, {members}[1 + (a.i + m) % {n}], 'none',
  'board', NULL
FROM {STAGE} a CROSS JOIN generate_series(0, 1) AS m
WHERE a.state IN ('awaiting_decision', 'approved', 'rejected') ORDER BY a.id, m
""",
        )
        decided = "a.state IN ('approved', 'rejected')"
        self.step(
            "decisions",
            f"""
INSERT INTO decisions_decision (id, outcome, status, amount, instrument, loan_term_months,
  interest_rate, grace_period_months, conditions, reasons, proposed_at, confirmed_at,
  closing_note, application_id, application_version_id, confirmed_by_id, proposed_by_id)
SELECT {self.m["dec0"]} + a.i,
  CASE WHEN a.state = 'rejected' THEN 'reject' ELSE 'approve' END,
  CASE WHEN {decided} THEN 'confirmed' ELSE 'open' END,
  CASE WHEN a.state <> 'rejected' THEN round(a.eligible * 0.6, -3) END, a.instrument,
  CASE WHEN a.instrument = 'loan' THEN 84 END, CASE WHEN a.instrument = 'loan' THEN 1.50 END,
  CASE WHEN a.instrument = 'loan' THEN 12 END,
  CASE WHEN a.state = 'approved' THEN 'Jährlicher Verwendungsnachweis.' ELSE '' END,
  CASE WHEN a.state = 'rejected' THEN {_lit(REJECTION_REASONS)} ELSE '' END,
  a.t_propose, CASE WHEN {decided} THEN a.t_decide END, '',
  a.id, {self.m["ver0"]} + 2 * a.i + a.sc - 1,
  CASE WHEN {decided} THEN {members}[1 + (a.i + 1) % {n}] END, {members}[1 + a.i % {n}]
FROM {STAGE} a
WHERE {decided} OR (a.state = 'awaiting_decision' AND a.i % 3 = 0) ORDER BY 1
""",
        )
        self.step(
            "letters",
            f"""
INSERT INTO decisions_decisionletter (id, number, status, language, file, sha256, created_at,
  claimed_at, rendered_at, sent_at, attempts, recipients, application_id, decision_id, history,
  last_error)
SELECT {self.m["let0"]} + a.i, 1, 'sent', 'de',
  'letters/' || a.id || '/1-' || md5(a.id::text) || md5(a.i::text) || '.pdf',
  md5(a.id::text) || md5(a.i::text), a.t_decide, a.t_decide + interval '1 minute',
  a.t_decide + interval '2 minutes', a.t_decide + interval '3 minutes', 1,
  jsonb_build_array('kontakt' || (a.i / {APPLICATIONS_PER_ORGANIZATION}) || '@example.org'),
  a.id, {self.m["dec0"]} + a.i, '[]'::jsonb, ''
FROM {STAGE} a WHERE {decided} ORDER BY 1
""",
        )


def database_bytes():
    return _one("SELECT pg_database_size(current_database())")
