"""docs/design.md says what the code does: its state, transition and permission tables are
compared with the state machine and the permissions the apps register, row by row.
"""

import importlib
import os
import re
from pathlib import Path

import pytest
from rules.permissions import permissions as registered_permissions

from applications.models import Application, State

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "design.md"
# The apps that register permissions, lowest layer first.
APPS = (
    "funding",
    "notifications",
    "accounts",
    "applications",
    "reviews",
    "decisions",
    "records",
    "reporting",
    "webhooks",
    "api",
)
ARROW = " → "
SEPARATOR_ROW = re.compile(r"\|(\s*:?-+:?\s*\|)+")
CODE = re.compile(r"`([^`]+)`")

# ----- reading the markdown tables ------------------------------------------------------------


def split_row(line):
    return tuple(cell.strip() for cell in line.strip()[1:-1].split("|"))


def markdown_tables(text):
    """[(header, [row, ...])] of every table outside code fences; cells stripped."""
    found, block, fenced = [], [], False
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("|") and line.rstrip().endswith("|"):
            block.append(line.rstrip())
            continue
        if block:
            assert len(block) >= 2 and SEPARATOR_ROW.fullmatch(block[1]), block[:2]
            header = split_row(block[0])
            rows = [split_row(row) for row in block[2:]]
            for row in rows:
                assert len(row) == len(header), (header, row)
            found.append((header, rows))
            block = []
    return found


@pytest.fixture(scope="module")
def tables():
    return markdown_tables(DOC.read_text(encoding="utf-8"))


def table(tables, *header):
    """The rows of the one table with exactly this header."""
    matching = [rows for found, rows in tables if found == header]
    assert len(matching) == 1, f"docs/design.md: {len(matching)} tables headed {header}"
    assert matching[0], f"docs/design.md: the table {header} has no rows"
    return matching[0]


def code(cell):
    """The value of a cell that is exactly one `code` span."""
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected exactly one `code` value, got {cell!r}"
    return match.group(1)


def code_list(cell):
    """The values of a cell ``"`a`, `b`"`` (at least one)."""
    return [code(part) for part in cell.split(", ")]


def unique(values, what):
    duplicates = sorted({value for value in values if values.count(value) > 1})
    assert not duplicates, f"docs/design.md lists {what} twice: {duplicates}"
    return set(values)


# ----- what the code says ---------------------------------------------------------------------


def state_machine():
    """{transition name: (sources, target, permission)} of ``Application.state``."""
    machine = {}
    field = Application._meta.get_field("state")
    for transition in field.get_all_transitions(Application):
        source, target = State(transition.source).value, State(transition.target).value
        permission = transition.permission.permission  # set by applications.models.allowed
        sources, known_target, known_permission = machine.setdefault(
            transition.name, (set(), target, permission)
        )
        assert (known_target, known_permission) == (target, permission), transition.name
        sources.add(source)
    return machine


def our_permissions():
    return {name for name in registered_permissions if name.split(".", 1)[0] in APPS}


# ----- the tests ------------------------------------------------------------------------------


def test_state_table_lists_exactly_the_states(tables):
    rows = table(tables, "state", "meaning")
    states = unique([code(state) for state, _meaning in rows], "a state")
    assert states == set(State.values)
    assert all(meaning for _state, meaning in rows)


def test_transition_table_matches_the_state_machine(tables):
    rows = table(tables, "transition", "from → to", "permission", "service")
    documented = {}
    for name, from_to, permission, _service in rows:
        sources, target = from_to.split(ARROW)
        documented.setdefault(code(name), []).append(
            (unique(code_list(sources), f"a source of {name}"), code(target), code(permission))
        )
    machine = state_machine()
    unique([code(row[0]) for row in rows], "a transition")
    assert set(documented) == set(machine)
    for name, (sources, target, permission) in machine.items():
        assert documented[name] == [(sources, target, permission)], name


def test_transition_table_names_services_that_exist(tables):
    rows = table(tables, "transition", "from → to", "permission", "service")
    for name, _from_to, _permission, service in rows:
        paths = CODE.findall(service)
        assert paths, f"{name}: no service named"
        for path in paths:
            module, _, function = path.rpartition(".")
            assert module.split(".")[0] in APPS and module.endswith(".services"), path
            assert callable(getattr(importlib.import_module(module), function, None)), path


def test_transitions_are_guarded_by_registered_permissions():
    for name, (_sources, _target, permission) in state_machine().items():
        assert permission in our_permissions(), f"{name}: {permission} is not registered"


def test_permission_table_lists_exactly_the_registered_permissions(tables):
    rows = table(tables, "permission", "who", "app")
    names = unique([code(permission) for permission, _who, _app in rows], "a permission")
    assert names == our_permissions()
    for permission, who, app in rows:
        assert app == code(permission).split(".", 1)[0], permission
        assert who, permission


def test_no_file_names_the_old_design_file():
    """Every reference points to docs/design.md (the name is built so this file passes)."""
    old_name = "DESIGN" + ".md"
    suffixes = {".py", ".md", ".html", ".txt", ".toml", ".po", ".cfg", ".ini", ".yml", ".yaml"}
    skipped_dirs = {"var", "node_modules", "__pycache__", "media", "staticfiles"}
    offenders = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(
            name
            for name in dirs
            if name not in skipped_dirs and (not name.startswith(".") or name == ".ci")
        )
        here = Path(folder)
        for filename in sorted(files):
            path = here / filename
            script = filename == "Makefile" or here.name in ("bin", ".ci")
            if path.suffix not in suffixes and not script:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), start=1):
                if old_name in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
