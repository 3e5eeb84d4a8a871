"""Django admin for reviewer assignments and reviews: read-only (changes go through services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.admin import ApplicationAdmin, ReadOnlyAdmin, ReadOnlyInline

from .models import Assignment, Review


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = (*Review.CRITERIA, "recommendation", "comment", "submitted_at", "updated_at")


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
        *Review.CRITERIA,
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


# The application's page lists its reviewer assignments too (reviews → applications only).
ApplicationAdmin.inlines = (*ApplicationAdmin.inlines, AssignmentInline)
