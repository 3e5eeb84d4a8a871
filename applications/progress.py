"""An application's progress, for its page: the step bar (Draft → Submitted → Expert review →
Decision → Letter), what happens next, and review rounds numbered as people count them.

The steps are derived from the state machine (``Application``'s transitions), not listed a
second time: the main line is the shortest way from the initial state to ``approved``; its
last step holds every final state that only its last transition reaches (approved,
rejected). A state off the main line sits at the step before the main-line state it leads back
to (returned: before "Submitted", so at "Draft"); a final state off it (withdrawn) at the step
the application left, read from the transition log.

Review rounds: an assignment's ``round`` is the application's ``submission_count`` (the
submitted version reviewed), so after a return before the review started, the first review
round would read "round 2". ``ReviewRounds.number`` counts only the rounds in which the review
started: the first review round is round 1, whatever the version.
"""

from collections import deque
from dataclasses import dataclass
from functools import cache

import rules
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from . import extensions
from .models import FINAL_STATES, Application, State

# The successful end of the main line.
GOAL = State.APPROVED

# The steps' names, by the main-line state that starts the step (the last: by the goal). A
# state the machine adds to the main line later shows under its own name.
STEP_LABELS = {
    State.DRAFT: _("Draft"),
    State.SUBMITTED: _("Submitted"),
    State.IN_REVIEW: _("Expert review"),
    State.AWAITING_DECISION: _("Decision"),
    GOAL: _("Letter"),
}

DONE, CURRENT, UPCOMING, STOPPED, NOT_REACHED = (
    "done",
    "current",
    "upcoming",
    "stopped",
    "not_reached",
)
STATUS_TEXTS = {
    DONE: _("done"),
    CURRENT: _("current step"),
    UPCOMING: _("to come"),
    STOPPED: _("ended here"),
    NOT_REACHED: _("not reached"),
}


@dataclass(frozen=True)
class Step:
    key: str  # the main-line state that starts the step
    label: object
    status: str
    note: object = ""

    @property
    def current(self):
        return self.status in (CURRENT, STOPPED)

    @property
    def status_text(self):
        return STATUS_TEXTS[self.status]


# ----- the state machine's shape ------------------------------------------------------------


def _state_field():
    return Application._meta.get_field("state")


@cache
def _edges():
    """{source: {target}} of every transition."""
    edges = {}
    for transition in _state_field().get_all_transitions(Application):
        edges.setdefault(str(transition.source), set()).add(str(transition.target))
    return edges


@cache
def main_line():
    """The states on the shortest way from the initial state to ``GOAL``, in order."""
    edges, start = _edges(), str(_state_field().default)
    parents, queue = {start: None}, deque([start])
    while queue:
        state = queue.popleft()
        for target in sorted(edges.get(state, ())):
            if target not in parents:
                parents[target] = state
                queue.append(target)
    path, state = [], str(GOAL)
    while state is not None:
        path.append(state)
        state = parents[state]
    return tuple(reversed(path))


@cache
def outcomes():
    """The final states only the main line's last transition reaches (approved, rejected)."""
    line, edges = main_line(), _edges()
    last_source = line[-2]
    sources = {}
    for source, targets in edges.items():
        for target in targets:
            sources.setdefault(target, set()).add(source)
    return tuple(
        state
        for state in sorted(edges.get(last_source, ()))
        if state in FINAL_STATES and sources[state] == {last_source}
    )


@cache
def step_index():
    """{state: index of its step} for every state but the final ones off the main line."""
    line = main_line()
    index = {state: position for position, state in enumerate(line[:-1])}
    index.update(dict.fromkeys(outcomes(), len(line) - 1))
    for source, targets in _edges().items():
        back = [line.index(target) for target in targets if target in line]
        if source not in index and source not in FINAL_STATES and back:
            index[source] = min(back) - 1
    return index


# ----- one application ------------------------------------------------------------------------


def needs_log(application):
    """Whether the step bar or the round numbers need the transition log: for where a
    withdrawn application left the main line, and for rounds after a second submission (with
    one submission at most, the stored round is the review round)."""
    return application.pk is not None and (
        application.state == State.WITHDRAWN or application.submission_count > 1
    )


def transitions(application):
    """``[(transition, source state)]`` of the application's log, oldest first: one query
    (none when ``needs_log`` says the page can do without)."""
    if not needs_log(application):
        return []
    return list(
        StateLog.objects.for_(application)
        .order_by("timestamp", "id")
        .values_list("transition", "source_state")
    )


class ReviewRounds:
    """Review rounds numbered as people count them (see the module's docstring)."""

    def __init__(self, log):
        submissions, self.known, self.started = 0, False, []
        for name, _source in log:
            if name == "submit":
                submissions += 1
                self.known = True
            elif name == "start_review":
                self.started.append(submissions)

    def number(self, round):
        """The review round's number: 1 + the rounds before it in which the review started.
        A round returned before its review started shares the number of the next one. Without
        a log (one submission at most, or data older than the log) the stored number."""
        if round is None or round == "":
            return round
        if not self.known:
            return round
        return 1 + sum(1 for started in self.started if started < int(round))


def review_rounds(application, log=None):
    """The application's ``ReviewRounds`` (kept on it once read)."""
    if log is None and getattr(application, "_review_rounds", None) is not None:
        return application._review_rounds
    return ReviewRounds(transitions(application) if log is None else log)


def steps(application, log=None):
    """The step bar of ``application``: a ``Step`` per step of the main line."""
    log = transitions(application) if log is None else log
    line, state = main_line(), str(application.state)
    index = step_index().get(state)
    stopped = index is None  # withdrawn: where it left the main line
    if stopped:
        left = [source for name, source in log if name == "withdraw"]
        index = step_index().get(left[-1], 0) if left else 0
    note = ""
    if stopped or state in outcomes() or state not in line:
        note = State(state).label
    elif state == State.IN_REVIEW:
        number = review_rounds(application, log).number(application.submission_count)
        note = _("Round %(round)s") % {"round": number}
    result = []
    for position, key in enumerate(line[:-1] + (str(GOAL),)):
        if position < index:
            status = DONE
        elif position == index:
            status = STOPPED if stopped else CURRENT
        else:
            status = NOT_REACHED if stopped else UPCOMING
        label = STEP_LABELS.get(key, State(key).label)
        result.append(Step(key, label, status, note if position == index else ""))
    return result


# What happens next, for the company's people, by state (a decided application: the decision's
# own part says it, with the outcome).
NEXT_STEPS = {
    State.DRAFT: _(
        "When every section is complete and the required documents are uploaded, submit the "
        "application. The coordination office then checks that it is complete."
    ),
    State.SUBMITTED: _(
        "The coordination office checks that your application is complete. Experts then review "
        "it, and after their review the board decides. We will tell you by mail when the review "
        "starts; the board's decision follows as a letter by mail. If anything is missing, we "
        "will return the application to you with a deadline."
    ),
    State.RETURNED: _(
        "Once you have revised the application and submitted it again, the coordination office "
        "checks it again; then the review and the board's decision follow."
    ),
    State.IN_REVIEW: _(
        "Experts are reviewing your application. After their review the board decides; its "
        "decision follows as a letter by mail."
    ),
    State.AWAITING_DECISION: _(
        "The review is complete. The board decides next; its decision follows as a letter by mail."
    ),
    State.WITHDRAWN: _(
        "You have withdrawn this application; it will not be processed further. You can start "
        "a new application."
    ),
}


def next_steps(user, application):
    """What happens next, for the applicant organisation's people only ("" for others)."""
    if not rules.has_perm("applications.act_for", user, application):
        return ""
    return NEXT_STEPS.get(application.state, "")


def detail_context(user, application, parts, request=None):
    """What the application's page adds to its context: the rendered parts by slot
    (``top_parts`` first on the page, ``parts`` below the facts), the step bar and what
    happens next. One query (the transition log) where ``needs_log`` says so, else none."""
    log = transitions(application)
    # kept on the application for the parts that number review rounds (``review_round``)
    application._review_rounds = ReviewRounds(log)
    slots = extensions.parts_by_slot(parts)

    def render(part):
        # with the request: a part's form carries its CSRF token
        return render_to_string(part.template, part.context, request=request)

    return {
        "top_parts": [render(part) for part in slots["top"]],
        "parts": [render(part) for part in slots["main"]],
        "progress": steps(application, log),
        "next_steps": next_steps(user, application),
    }
