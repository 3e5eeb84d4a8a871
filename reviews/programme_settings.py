"""What reviews add to the programme settings page: the scoring rubric and the review
settings (registered in ``ReviewsConfig.ready()``), and the start-page buttons to the page."""

import rules
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding import panels, programme_settings
from funding.web import attempt

from . import forms, selectors, services
from . import rubric as scoring


def rubric_context(request, programme):
    """The current rubric, read-only, with a link to its page (coordinators only)."""
    if not rules.has_perm("reviews.manage_rubric", request.user, programme):
        return None
    rubric = selectors.current_rubric(programme)
    language = scoring.reader_language()
    criteria = []
    if rubric is not None:
        for criterion in rubric.criteria.all():
            criteria.append(
                {
                    "name": scoring.in_language(criterion, "name", language),
                    "description": scoring.in_language(criterion, "description", language),
                    "weight": criterion.weight,
                    "kind": criterion.get_kind_display(),
                    "labels": [
                        text for _value, text in scoring.point_choices(criterion.labels, language)
                    ],
                }
            )
    versions = list(selectors.rubric_versions(programme))
    in_use = bool(versions) and versions[0].review_count > 0
    return {"rubric": rubric, "criteria": criteria, "versions": versions, "in_use": in_use}


def review_settings_context(request, programme, form=None, errors=()):
    if not rules.has_perm("funding.manage_programme", request.user, programme):
        return None
    initial = {name: getattr(programme, name) for name in services.REVIEW_SETTINGS}
    return {
        "form": form or forms.ReviewSettingsForm(initial=initial),
        "errors": list(errors),
    }


def review_settings_post(request, programme):
    """Save the review settings: None when saved, else (status, the section's context)."""
    form = forms.ReviewSettingsForm(request.POST)
    if not form.is_valid():
        return 400, review_settings_context(request, programme, form)
    data = form.cleaned_data
    _saved, refused = attempt(
        lambda: services.update_review_settings(request.user, programme, data), form
    )
    if refused is not None:
        return refused.status, review_settings_context(request, programme, form)
    messages.success(request, _("The review settings have been saved."))
    return None


def register():
    programme_settings.add_section(
        "rubric",
        gettext_lazy("Scoring rubric"),
        "reviews/rubric_section.html",
        rubric_context,
        order=10,
    )
    programme_settings.add_section(
        "review",
        gettext_lazy("Expert review"),
        "reviews/rubric_review_settings.html",
        review_settings_context,
        post=review_settings_post,
        order=20,
    )
    # The settings page has no other way in: the coordination office's start-page panel.
    panels.add_items("coordinator", programme_settings.start_page_actions, order=90)
