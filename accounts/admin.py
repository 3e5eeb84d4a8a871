"""Admin for profiles and invitations; the user admin refuses to delete users named in a log."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from funding.admin import FundingUserAdmin, ReadOnlyAdmin

from . import selectors, services
from .models import Invitation, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "language")
    list_filter = ("language",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__last_name", "user__email")
    fields = ("user", "language")
    readonly_fields = ("user",)

    def has_add_permission(self, request):
        return False  # created on demand


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """View only: invitations are made, sent and revoked on the company users page."""

    list_display = ("email", "organization", "is_admin", "status", "created_at", "expires_at")
    list_filter = ("is_admin", "organization")
    list_select_related = ("organization",)
    search_fields = ("email", "organization__name")
    fields = (
        "organization",
        "email",
        "is_admin",
        "created_by",
        "created_at",
        "expires_at",
        "sent_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.status


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountsUserAdmin(FundingUserAdmin):
    """Users who appear in a log (state log, access log) are deactivated, never deleted."""

    actions = ("deactivate",)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and selectors.appears_in_a_log(obj):
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Deactivate the selected users"), permissions=("change",))
    def deactivate(self, request, queryset):
        count = services.deactivate(queryset.filter(is_active=True))
        self.message_user(
            request,
            ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", count)
            % {"count": count},
            messages.SUCCESS,
        )
