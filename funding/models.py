"""The programme-level domain: programmes and their rules, organisations, memberships."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from localflavor.generic.models import IBANField

COORDINATORS = "coordinators"
REVIEWERS = "reviewers"
BOARD = "board"

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class DocumentKind(models.TextChoices):
    BUSINESS_PLAN = "business_plan", _("Business plan")
    FINANCING_PLAN = "financing_plan", _("Financing plan")
    REGISTER_EXTRACT = "register_extract", _("Register extract")
    RECOGNITION = "recognition", _("Recognition as an inclusion company")
    COOPERATION_AGREEMENT = "cooperation_agreement", _("Cooperation agreement")
    OTHER = "other", _("Other document")


def default_required_documents():
    return [
        DocumentKind.BUSINESS_PLAN,
        DocumentKind.FINANCING_PLAN,
        DocumentKind.REGISTER_EXTRACT,
        DocumentKind.RECOGNITION,
        DocumentKind.COOPERATION_AGREEMENT,
    ]


def money(**kwargs):
    return models.DecimalField(max_digits=14, decimal_places=2, validators=NON_NEGATIVE, **kwargs)


def percent(**kwargs):
    return models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT, **kwargs)


class Programme(models.Model):
    """A fund and the rules that vary between funds."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    budget = money(verbose_name=_("budget (EUR)"))
    max_amount = money(verbose_name=_("maximum amount per application (EUR)"))
    max_share_percent = percent(
        verbose_name=_("maximum share of the eligible investment (%)"), default=Decimal("80")
    )
    min_own_contribution_percent = percent(
        verbose_name=_("minimum own contribution (%)"), default=Decimal("20")
    )
    cap_per_new_job = money(verbose_name=_("cap per new job (EUR)"), default=Decimal("20000"))
    cap_per_secured_job = money(
        verbose_name=_("cap per secured job (EUR)"), default=Decimal("15000")
    )
    quota_min_percent = percent(
        verbose_name=_("minimum share of severely disabled staff (%)"), default=Decimal("30")
    )
    quota_flag_percent = percent(
        verbose_name=_("share of severely disabled staff above which to flag (%)"),
        default=Decimal("50"),
    )
    max_interest_rate = percent(
        verbose_name=_("maximum interest rate (% p.a.)"),
        default=Decimal("6.00"),
        help_text=_(
            "An application cannot be submitted, and the board cannot decide, with a higher "
            "interest rate."
        ),
    )
    required_documents = models.JSONField(
        _("required documents"), default=default_required_documents, blank=True
    )
    reviews_required = models.PositiveSmallIntegerField(
        _("reviews required"), default=2, validators=[MinValueValidator(1)]
    )
    review_period_days = models.PositiveSmallIntegerField(
        _("review period (days)"), default=21, validators=[MinValueValidator(1)]
    )
    de_minimis_ceiling = money(
        verbose_name=_("de minimis ceiling over three years (EUR)"), default=Decimal("300000")
    )
    opens_on = models.DateField(_("open from"))
    closes_on = models.DateField(_("closes on (first submission)"), null=True, blank=True)
    four_eyes = models.BooleanField(_("four-eyes decisions"), default=True)
    review_cap = models.PositiveSmallIntegerField(
        _("open reviews per reviewer at most"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("The assignment proposal never gives a reviewer more open reviews."),
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold (points)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("1.5"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "The board sees a disagreement when the reviews' totals differ by more than this."
        ),
    )
    retention_years_unsuccessful = models.PositiveSmallIntegerField(
        _("keep rejected or withdrawn applications (years)"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("After this many years they are offered for deletion (data protection)."),
    )
    # The reminder rules' offsets in days, by offset name; a missing name takes the rule's
    # default (``notifications.offsets``).
    reminder_days = models.JSONField(_("reminder offsets (days)"), default=dict, blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = set(self.required_documents or []) - set(DocumentKind.values)
        if unknown:
            raise ValidationError({"required_documents": _("Unknown document kinds.")})
        if self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("The programme closes before it opens.")})

    def is_open(self, day=None):
        day = day or timezone.localdate()
        return self.opens_on <= day and (self.closes_on is None or day <= self.closes_on)

    def required_document_labels(self):
        return [DocumentKind(kind).label for kind in self.required_documents]


def validate_letter_address(value):
    """The postal address must fit the DIN 5008 window: at most 6 lines of 40 characters."""
    lines = value.strip().splitlines()
    if len(lines) > 6:
        raise ValidationError(_("The address may have at most 6 lines."))
    if any(len(line) > 40 for line in lines):
        raise ValidationError(_("Each address line may have at most 40 characters."))


class Sector(models.Model):
    """A line of business (kept by the coordination office): applications name one, reviewers
    name those they know, and the assignment proposal prefers a match."""

    name_de = models.CharField(_("name (German)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    active = models.BooleanField(_("offered for new applications"), default=True)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name_de"]

    def __str__(self):
        from django.utils.translation import get_language

        if (get_language() or "de").startswith("en") and self.name_en:
            return self.name_en
        return self.name_de


class Organization(models.Model):
    """An inclusion company (Integrationsunternehmen) with what a letter and a payment need."""

    class LegalForm(models.TextChoices):
        GGMBH = "ggmbh", "gGmbH"
        GMBH = "gmbh", "GmbH"
        GUG = "gug", "gUG (haftungsbeschränkt)"
        EV = "ev", "e. V."
        EG = "eg", "eG"
        AG = "ag", "gAG / AG"
        OTHER = "other", _("other")

    class Region(models.TextChoices):
        """The competent Inklusionsamt: the two regional associations of North
        Rhine-Westphalia (proper names, the same in every language)."""

        RHEINLAND = "rheinland", "Rheinland"
        WESTFALEN_LIPPE = "westfalen_lippe", "Westfalen-Lippe"

    name = models.CharField(_("legal name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=10, choices=LegalForm.choices)
    register_number = models.CharField(_("register entry"), max_length=100, blank=True)
    non_profit = models.BooleanField(_("recognised as non-profit"), default=False)
    representative = models.CharField(_("legal representative"), max_length=200)
    address = models.TextField(
        _("postal address"),
        validators=[validate_letter_address],
        help_text=_("As printed in the letter window: at most 6 lines of 40 characters."),
    )
    # Chosen by the company (never guessed from the postcode); "" for records from before it was
    # asked: the company form then asks for it.
    region = models.CharField(
        _("competent Inklusionsamt"),
        max_length=20,
        choices=Region.choices,
        blank=True,
        help_text=_(
            "Where the company has its seat: Rheinland (LVR-Inklusionsamt) or Westfalen-Lippe "
            "(LWL-Inklusionsamt)."
        ),
    )
    contact_email = models.EmailField(_("contact email"))
    language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    iban = IBANField(_("IBAN"), blank=True)
    # Raised by every save of the company data: a stale edit is refused (409).
    version = models.PositiveIntegerField(default=1, editable=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations"
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def address_lines(self):
        return [line.strip() for line in self.address.strip().splitlines() if line.strip()]


class Membership(models.Model):
    """A user who acts for an organisation (applicant staff)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    is_admin = models.BooleanField(
        _("company admin"),
        default=False,
        help_text=_("Manages the company's users: invites, removes, names other admins."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization}"


class AccessLog(models.Model):
    """Who opened which application, or downloaded which document or letter (data protection).

    Written by the views that show or hand out personal data (``funding.audit.log_access``);
    read by the coordination office. Rows are never changed.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("opened the application")
        DOCUMENT = "document", _("downloaded a document")
        LETTER = "letter", _("downloaded a letter")
        EXPORT = "export", _("exported the organisation's data")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_log",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # Plain values, not foreign keys: the log outlives deleted documents and letters.
    application_id = models.BigIntegerField(_("application"), null=True, blank=True)
    organization_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["application_id", "-at"], name="accesslog_application"),
            models.Index(fields=["organization_id", "-at"], name="accesslog_organization"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.reference}"
