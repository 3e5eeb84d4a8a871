"""What the API reads and writes. Writing serializers only parse (400 for malformed input);
the services check every rule (422), state (409) and permission (403), as for the web."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from applications import checks
from applications.forms import OrganizationForm
from applications.models import (
    EDITABLE_FIELDS,
    Application,
    ApplicationVersion,
    Document,
    Instrument,
    State,
)
from decisions.models import Decision
from decisions.services import DECISION_TERMS as TERMS
from funding.models import Organization, Programme, Sector

from .models import ApiToken


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (``application/problem+json``)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per field (non_field_errors: the whole object): for 400 and 422.",
    )


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ProgrammeSerializer(serializers.ModelSerializer):
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields = (
            "id",
            "name",
            "opens_on",
            "closes_on",
            "is_open",
            "max_amount",
            "max_share_percent",
            "min_own_contribution_percent",
            "cap_per_new_job",
            "cap_per_secured_job",
            "quota_min_percent",
            "max_interest_rate",
            "de_minimis_ceiling",
            "required_documents",
            "reviews_required",
            "four_eyes",
        )
        read_only_fields = fields

    def get_is_open(self, programme) -> bool:
        return programme.is_open()


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ("id", "version", *OrganizationForm._meta.fields)
        read_only_fields = ("id", "version")


class OrganizationUpdateSerializer(serializers.ModelSerializer):
    """The company data the web's company form edits (every field optional: PATCH)."""

    class Meta:
        model = Organization
        fields = OrganizationForm._meta.fields
        extra_kwargs = {name: {"required": False} for name in OrganizationForm._meta.fields}


class ApplicationSummarySerializer(serializers.Serializer):
    """A row of the list: only the columns the list's selector loads (no query per row)."""

    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True, allow_null=True)
    title = serializers.CharField(read_only=True)
    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    programme = RefSerializer(read_only=True)
    organization = RefSerializer(read_only=True)
    requested_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    last_submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    deadline = serializers.DateField(
        read_only=True, allow_null=True, help_text="The return deadline while returned."
    )
    updated_at = serializers.DateTimeField(read_only=True)


class ApplicationSerializer(serializers.ModelSerializer):
    """The whole application as the company edits it, with its state and bookkeeping."""

    programme = RefSerializer(read_only=True)
    organization = RefSerializer(read_only=True)
    state = serializers.ChoiceField(choices=State.choices, read_only=True)

    class Meta:
        model = Application
        fields = (
            "id",
            "reference",
            "state",
            "version",
            "programme",
            "organization",
            "submission_count",
            "created_at",
            "updated_at",
            "submitted_at",
            "last_submitted_at",
            "return_reason",
            "return_deadline",
            *EDITABLE_FIELDS,
        )
        read_only_fields = fields


class ApplicationCreateSerializer(serializers.Serializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all())
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    title = serializers.CharField(max_length=200, allow_blank=True)


def sector_choices(application):
    """The office's sectors on offer, and the one chosen if no longer offered (as the web)."""
    offered = Q(active=True)
    if application is not None:
        offered |= Q(pk=application.sector_id)
    return Sector.objects.filter(offered)


class ApplicationUpdateSerializer(serializers.ModelSerializer):
    """The company's fields (every one optional: PATCH). Only the form's parsing here; the
    programme's rules are checked at submission (``GET …/transitions/`` lists them)."""

    class Meta:
        model = Application
        fields = EDITABLE_FIELDS
        extra_kwargs = {name: {"required": False} for name in EDITABLE_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].queryset = sector_choices(self.instance)

    def validate_title(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("Please give the project a title."))
        return value


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationVersion
        fields = (
            "number",
            "submitted_at",
            "declared_truthful",
            "declared_de_minimis",
            "declared_authorized",
        )
        read_only_fields = fields


class VersionSerializer(VersionSummarySerializer):
    snapshot = serializers.JSONField(read_only=True)

    class Meta(VersionSummarySerializer.Meta):
        fields = (*VersionSummarySerializer.Meta.fields, "snapshot")
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    method = serializers.CharField()
    path = serializers.CharField()
    allowed = serializers.BooleanField(
        help_text="False: the role may, but a rule blocks it now (see errors)."
    )
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class SubmitSerializer(serializers.Serializer):
    declared_truthful = serializers.BooleanField(
        default=False, help_text="The facts relevant to the subsidy are true and complete."
    )
    declared_de_minimis = serializers.BooleanField(
        default=False, help_text="De minimis self-declaration."
    )
    declared_authorized = serializers.BooleanField(
        default=False, help_text="Authorised to sign for the company."
    )


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class CompleteReviewSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why the round closes early.")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EmptySerializer(serializers.Serializer):
    pass


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ("id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
        read_only_fields = fields


class ApproveSerializer(serializers.Serializer):
    """A board member's approval (a proposal under four eyes). Terms left out are the
    application's; the checks are the board's form's (400) and the service's rules (422)."""

    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Granted amount; default: the requested amount.",
    )
    instrument = serializers.ChoiceField(choices=Instrument.choices, required=False)
    loan_term_months = serializers.IntegerField(
        min_value=1, max_value=360, required=False, allow_null=True
    )
    interest_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    grace_period_months = serializers.IntegerField(
        min_value=0, max_value=120, required=False, allow_null=True
    )
    conditions = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data):
        application = self.context["application"]
        for name in ("amount", *TERMS):
            if name not in data:
                data[name] = getattr(application, "requested_amount" if name == "amount" else name)
        errors = {}
        if not data.get("instrument"):
            errors["instrument"] = [_("Please choose the instrument.")]
        elif data["instrument"] == Instrument.LOAN:
            for name in ("loan_term_months", "interest_rate"):
                if data.get(name) is None:
                    errors[name] = [_("A loan needs its term and interest rate.")]
        values = {name: data.get(name) for name in TERMS if name != "instrument"}
        for name, message in checks.terms(application.programme, **values):
            errors.setdefault(name, []).append(message)
        if errors:
            raise serializers.ValidationError(errors)
        return data


class RejectSerializer(serializers.Serializer):
    reasons = serializers.CharField(allow_blank=True, help_text="The reasons the letter gives.")


class ObjectSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="Why you object (required).")


class DecisionSerializer(serializers.ModelSerializer):
    application = serializers.PrimaryKeyRelatedField(read_only=True)
    proposed_by = serializers.PrimaryKeyRelatedField(read_only=True)
    confirmed_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = (
            "id",
            "application",
            "outcome",
            "status",
            "amount",
            *TERMS,
            "conditions",
            "reasons",
            "proposed_by",
            "proposed_at",
            "confirmed_by",
            "confirmed_at",
            "closing_note",
        )
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ("id", "kind", "original_name", "size", "sha256", "uploaded_at")
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer):
    """A PDF and its kind (multipart). The service checks kind, size and format (422)."""

    kind = serializers.CharField(help_text="One of the document kinds (e.g. business_plan).")
    file = serializers.FileField(help_text="The PDF.")
