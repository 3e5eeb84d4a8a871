"""Django admin of decisions and letters: read-only (changes go through the services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.admin import add_inline
from funding.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Decision, DecisionLetter


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = (
        "outcome",
        "status",
        "amount",
        "proposed_by",
        "proposed_at",
        "confirmed_by",
        "confirmed_at",
    )
    related = ("proposed_by", "confirmed_by")
    show_change_link = True


class LetterInline(ReadOnlyInline):
    model = DecisionLetter
    fields = (
        "number",
        "status",
        "language",
        "sha256",
        "created_at",
        "rendered_at",
        "sent_at",
        "attempts",
    )
    show_change_link = True


add_inline(DecisionInline)
add_inline(LetterInline)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "application",
        "outcome",
        "status",
        "amount",
        "proposed_by",
        "confirmed_by",
        "proposed_at",
    )
    list_select_related = ("application", "proposed_by", "confirmed_by")
    list_filter = ("outcome", "status")
    search_fields = ("application__reference", "application__title")
    fields = (
        "application",
        "application_version",
        "outcome",
        "status",
        "amount",
        "instrument",
        "loan_term_months",
        "interest_rate",
        "grace_period_months",
        "conditions",
        "reasons",
        "proposed_by",
        "proposed_at",
        "confirmed_by",
        "confirmed_at",
        "closing_note",
    )


@admin.register(DecisionLetter)
class DecisionLetterAdmin(ReadOnlyAdmin):
    """Letters are never served from a public URL: the file is named here, not linked."""

    list_display = ("application", "number", "status", "language", "created_at", "sent_at")
    list_select_related = ("application",)
    list_filter = ("status", "language")
    search_fields = ("application__reference", "sha256")
    fields = (
        "application",
        "decision",
        "number",
        "status",
        "language",
        "file_name",
        "sha256",
        "created_at",
        "claimed_at",
        "rendered_at",
        "sent_at",
        "attempts",
        "recipients",
    )

    @admin.display(description=_("file"))
    def file_name(self, obj):
        return obj.file.name or "-"
