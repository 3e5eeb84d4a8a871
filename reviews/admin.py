"""Django admin of declarations, assignments and reviews: read-only (changes: services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.admin import add_inline
from funding.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Assignment, ConflictDeclaration, Review


class ConflictDeclarationInline(ReadOnlyInline):
    model = ConflictDeclaration
    fields = ("user", "role", "round", "kind", "note", "supersedes", "declared_at")
    related = ("user",)


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ("application", "user", "role", "round", "kind", "declared_at")
    list_select_related = ("application", "user")
    list_filter = ("role", "kind", "has_conflict")
    search_fields = ("application__reference", "user__username", "user__last_name")
    fields = (
        "application", "user", "role", "round", "kind", "has_conflict", "note", "supersedes",
        "declared_at",
    )  # fmt: skip


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = (
        "rubric", "total_score", "confidence", "recommendation", "comment", "submitted_at",
        "updated_at",
    )  # fmt: skip


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("application", "reviewer", "round", "status", "due_on", "assigned_at")
    list_select_related = ("application", "reviewer")
    list_filter = ("status", "round")
    search_fields = ("application__reference", "reviewer__username", "reviewer__last_name")
    fields = ("application", "reviewer", "round", "status", "assigned_by", "assigned_at", "due_on")
    inlines = (ReviewInline,)


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "recommendation", "total", "submitted_at", "updated_at")
    list_select_related = ("assignment__reviewer",)
    list_filter = ("recommendation",)
    search_fields = ("assignment__application__reference", "assignment__reviewer__username")
    fields = (
        "assignment",
        "rubric",
        "confidence",
        "total",
        "recommendation",
        "comment",
        "submitted_at",
        "updated_at",
    )

    @admin.display(description=_("total score"))
    def total(self, obj):
        return obj.total


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ("reviewer", "round", "status", "assigned_at", "due_on")
    related = ("reviewer",)
    show_change_link = True


# The application's admin page lists its declarations and assignments too.
add_inline(ConflictDeclarationInline)
add_inline(AssignmentInline)
