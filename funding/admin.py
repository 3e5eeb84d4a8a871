"""Django admin for programmes, organisations and memberships (and users with their memberships)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind, Membership, Organization, Programme, default_required_documents


class ReadOnlyMixin:
    """View only: no adding, changing or deleting (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    related = ()

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


class ProgrammeForm(forms.ModelForm):
    """The required documents as checkboxes, stored as a list of kinds in the JSONField."""

    required_documents = forms.MultipleChoiceField(
        label=_("required documents"),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=default_required_documents,
    )

    class Meta:
        model = Programme
        fields = (
            "name",
            "budget",
            "max_amount",
            "opens_on",
            "closes_on",
            "max_share_percent",
            "min_own_contribution_percent",
            "cap_per_new_job",
            "cap_per_secured_job",
            "quota_min_percent",
            "quota_flag_percent",
            "max_interest_rate",
            "de_minimis_ceiling",
            "required_documents",
            "reviews_required",
            "review_period_days",
            "four_eyes",
        )

    def clean_required_documents(self):
        chosen = set(self.cleaned_data["required_documents"])
        return [kind for kind in DocumentKind.values if kind in chosen]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    form = ProgrammeForm
    list_display = (
        "name",
        "budget",
        "max_amount",
        "opens_on",
        "closes_on",
        "reviews_required",
        "four_eyes",
    )
    list_filter = ("four_eyes",)
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "budget", "max_amount", "opens_on", "closes_on")}),
        (
            _("Rules"),
            {
                "fields": (
                    "max_share_percent",
                    "min_own_contribution_percent",
                    "cap_per_new_job",
                    "cap_per_secured_job",
                    "quota_min_percent",
                    "quota_flag_percent",
                    "max_interest_rate",
                    "de_minimis_ceiling",
                    "required_documents",
                )
            },
        ),
        (
            _("Review and decision"),
            {"fields": ("reviews_required", "review_period_days", "four_eyes")},
        ),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "legal_form",
        "register_number",
        "region",
        "contact_email",
        "language",
    )
    list_filter = ("region", "legal_form", "non_profit", "language")
    search_fields = ("name", "register_number", "contact_email")
    inlines = (MembershipInline,)

    def save_model(self, request, obj, form, change):
        """An operator's edit counts as a new version: a company form open meanwhile is stale."""
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "created_at")
    list_select_related = ("user", "organization")
    search_fields = ("user__username", "user__last_name", "organization__name")
    autocomplete_fields = ("user", "organization")
    readonly_fields = ("created_at",)


class UserMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ("organization",)
    readonly_fields = ("created_at",)
    verbose_name_plural = _("memberships of organisations (applicants)")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class FundingUserAdmin(UserAdmin):
    """Django's user admin, plus the organisations the user acts for (roles are the groups)."""

    inlines = (*UserAdmin.inlines, UserMembershipInline)
