"""Applications, their versions and documents, and the declarations made at submission.

The state machine is the table of decorated methods on ``Application``; only services call
them (``applications``, ``reviews`` and ``decisions``). Each transition names the permission
that guards it; the app that owns that step of the workflow registers it in its ``rules.py``
(see docs/design.md, "Roles and permissions").
"""

import datetime
from decimal import Decimal

import rules
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from funding.models import DocumentKind, Organization, Programme, money


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


EDITABLE_STATES = (State.DRAFT, State.RETURNED)
OPEN_STATES = (
    State.DRAFT,
    State.SUBMITTED,
    State.RETURNED,
    State.IN_REVIEW,
    State.AWAITING_DECISION,
)
FINAL_STATES = (State.APPROVED, State.REJECTED, State.WITHDRAWN)

# The fields the company edits, by section of the form (never state, reference, bookkeeping).
SECTION_FIELDS = {
    "project": ("title", "sector", "purpose", "cost_items", "eligible_costs", "planned_start"),
    "financing": (
        "requested_amount",
        "instrument",
        "loan_term_months",
        "interest_rate",
        "grace_period_months",
        "own_contribution",
        "other_funding",
        "other_funders",
    ),
    "employment": ("staff_total", "staff_severely_disabled", "jobs_new", "jobs_secured"),
    "cooperation": ("cooperation_partner", "cooperation_description"),
    "de_minimis": ("de_minimis_received", "de_minimis_details"),
}
EDITABLE_FIELDS = tuple(name for fields in SECTION_FIELDS.values() for name in fields)


def allowed(permission):
    """django-fsm's ``permission=`` (instance, user), answered by a registered permission.

    The permission is looked up by name when asked, so a transition of a later step (e.g.
    ``approve``) is guarded by the app that owns that step without this module importing it.
    """

    def check(instance, user):
        return rules.has_perm(permission, user, instance)

    check.permission = permission
    return check


class Instrument(models.TextChoices):
    LOAN = "loan", _("Loan")
    SILENT_PARTNERSHIP = "silent_partnership", _("Silent partnership")


# The application list's sort keys (``selectors.LIST_SORTS``), each backed by an index
# (``Application.Meta.indexes``, with the id as the tiebreak), so that every order can be paged
# by keyset. None is ever NULL: an empty value counts as the smallest (no reference yet, not
# submitted, no amount); the deadline (the return deadline, only while returned) as the latest.
# The state sorts in the order of the workflow.
EARLIEST = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
LATEST_DAY = datetime.date(9999, 12, 31)
LIST_SORT_KEYS = {
    "changed": models.F("updated_at"),
    "reference": Coalesce("reference", models.Value("")),
    "submitted": Coalesce("last_submitted_at", models.Value(EARLIEST)),
    "amount": Coalesce("requested_amount", models.Value(Decimal("-1"))),
    "state": models.Case(
        *(
            models.When(state=value, then=models.Value(rank))
            for rank, value in enumerate(State.values)
        ),
        default=models.Value(len(State.values)),
        output_field=models.IntegerField(),
    ),
    "deadline": models.Case(
        # (the lookups in the order the migration writes them, so that it stays unchanged)
        models.When(
            return_deadline__isnull=False, state=State.RETURNED.value, then="return_deadline"
        ),
        default=models.Value(LATEST_DAY),
        output_field=models.DateField(),
    ),
}


class Application(ConcurrentTransitionMixin, models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # NULL until the first submission: unique among those that have one.
    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True)  # noqa: DJ001
    state = FSMField(
        _("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    submission_count = models.PositiveSmallIntegerField(
        _("submissions"), default=0, editable=False, help_text=_("The current review round.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    submitted_at = models.DateTimeField(_("first submitted"), null=True, editable=False)
    last_submitted_at = models.DateTimeField(_("last submitted"), null=True, editable=False)
    review_started_at = models.DateTimeField(null=True, editable=False)
    awaiting_since = models.DateTimeField(null=True, editable=False)
    return_reason = models.TextField(_("reason for the return"), blank=True, editable=False)
    return_deadline = models.DateField(_("deadline for the revision"), null=True, editable=False)
    # Set when the retention rules erased its free text, documents and snapshots (records app).
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)

    # Project and investment
    title = models.CharField(_("title of the project"), max_length=200)
    purpose = models.TextField(_("purpose of the investment"), blank=True)
    cost_items = models.TextField(
        _("cost items"), blank=True, help_text=_("One item per line with its net amount.")
    )
    eligible_costs = money(verbose_name=_("eligible investment, net of VAT (EUR)"), null=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    # Financing plan
    requested_amount = money(verbose_name=_("requested amount (EUR)"), null=True)
    instrument = models.CharField(
        _("instrument"), max_length=20, choices=Instrument.choices, blank=True
    )
    loan_term_months = models.PositiveSmallIntegerField(
        _("term (months)"), null=True, blank=True, validators=[MaxValueValidator(360)]
    )
    interest_rate = models.DecimalField(
        _("interest rate (% p.a.)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    grace_period_months = models.PositiveSmallIntegerField(
        _("grace period (months)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    own_contribution = money(verbose_name=_("own contribution (EUR)"), null=True)
    other_funding = money(verbose_name=_("other funding (EUR)"), default=Decimal("0"))
    other_funders = models.TextField(_("other funders"), blank=True)
    # Employment (counts only: no names, no diagnoses)
    staff_total = models.PositiveIntegerField(_("total staff"), null=True, blank=True)
    staff_severely_disabled = models.PositiveIntegerField(
        _("severely disabled staff"), null=True, blank=True
    )
    jobs_new = models.PositiveIntegerField(
        _("new jobs for the target group"), default=0, blank=True
    )
    jobs_secured = models.PositiveIntegerField(
        _("secured jobs for the target group"), default=0, blank=True
    )
    # Cooperation with the regular labour market
    sector = models.ForeignKey(
        "funding.Sector",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("sector"),
    )
    cooperation_partner = models.CharField(_("cooperation partner"), max_length=200, blank=True)
    cooperation_description = models.TextField(_("what the cooperation is"), blank=True)
    # De minimis aid received in the last three years
    de_minimis_received = money(
        verbose_name=_("de minimis aid received in the last three years (EUR)"),
        default=Decimal("0"),
    )
    de_minimis_details = models.TextField(_("de minimis aid: grantor, date, amount"), blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["programme", "state"]),
            models.Index(fields=["state", "awaiting_since", "id"], name="board_queue_order"),
            # The list filtered by state, in its default order (latest change first).
            models.Index(fields=["state", "updated_at", "id"], name="list_state_changed"),
            *(
                models.Index(key, "id", name=f"list_sort_{name}")
                for name, key in LIST_SORT_KEYS.items()
            ),
        ]
        constraints = [
            # The board queue pages along ``board_queue_order`` by (awaiting_since, id).
            models.CheckConstraint(
                condition=~models.Q(state="awaiting_decision")
                | models.Q(awaiting_since__isnull=False),
                name="awaiting_has_since",
            ),
        ]

    def __str__(self):
        return f"{self.reference or _('Draft')} · {self.title}"

    @property
    def state_fields(self):
        """The state machine's fields (``ConcurrentTransitionMixin`` asks on every instance
        made; its own answer filters all fields each time, a list page's rows add up)."""
        return (self._meta.get_field("state"),)

    # ----- the state machine (contract: docs/design.md) -------------------------------------------

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=State.SUBMITTED,
        permission=allowed("applications.submit"),
    )
    def submit(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[State.SUBMITTED, State.AWAITING_DECISION],
        target=State.RETURNED,
        permission=allowed("applications.return_for_revision"),
    )
    def return_for_revision(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.IN_REVIEW,
        permission=allowed("reviews.start_review"),
    )
    def start_review(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.AWAITING_DECISION,
        permission=allowed("reviews.complete_review"),
    )
    def complete_review(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=State.AWAITING_DECISION,
        target=State.APPROVED,
        permission=allowed("decisions.decide"),
    )
    def approve(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=State.AWAITING_DECISION,
        target=State.REJECTED,
        permission=allowed("decisions.decide"),
    )
    def reject(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=list(OPEN_STATES),
        target=State.WITHDRAWN,
        permission=allowed("applications.withdraw"),
    )
    def withdraw(self, by=None, description=None):
        pass

    # ----- computed figures ------------------------------------------------------------------

    @property
    def is_editable(self):
        return self.state in EDITABLE_STATES

    @property
    def severely_disabled_share(self):
        return share(self.staff_severely_disabled, self.staff_total)

    @property
    def own_contribution_share(self):
        return share(self.own_contribution, self.eligible_costs)

    @property
    def funding_share(self):
        return share(self.requested_amount, self.eligible_costs)

    @property
    def financing_total(self):
        parts = (self.requested_amount, self.own_contribution, self.other_funding)
        return sum((part or Decimal("0") for part in parts), Decimal("0"))


def share(part, whole):
    """Percentage with one decimal, or None when it cannot be computed."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


class ReferenceCounter(models.Model):
    """The last reference number handed out per year (row-locked at submission)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


def document_path(instance, filename):
    return f"documents/{instance.application_id}/{instance.sha256}.pdf"


class Document(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"


class ApplicationVersion(models.Model):
    """A frozen snapshot of one submission, with the declarations made at it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    snapshot = models.JSONField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    declared_truthful = models.BooleanField(
        _("the facts relevant to the subsidy are true and complete")
    )
    declared_de_minimis = models.BooleanField(_("de minimis self-declaration"))
    declared_authorized = models.BooleanField(_("authorised to sign for the company"))

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="unique_version")
        ]

    def __str__(self):
        return f"{self.application.reference} v{self.number}"


MESSAGE_MAX_LENGTH = 5000


class Message(models.Model):
    """One message of the thread between the coordination office and the company.

    ``from_office`` says who spoke, fixed when the message is posted (a coordinator who acts
    for the applicant organisation speaks for the company): the thread shows "Coordination
    office" or the company's name, never a role that may change later. The author is kept
    (``PROTECT``: a removed user is deactivated, never deleted).
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_office = models.BooleanField(_("from the coordination office"))
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["application", "created_at"], name="message_thread_order"),
        ]

    def __str__(self):
        return f"{self.application_id} · {self.created_at:%Y-%m-%d %H:%M}"
