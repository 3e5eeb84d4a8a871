"""Forms of the review pages. The services check every rule; forms only parse the input."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Review

YES, NO = "yes", "no"

SCORES = [
    ("", "—"),
    (1, _("1 – very weak")),
    (2, _("2 – weak")),
    (3, _("3 – adequate")),
    (4, _("4 – good")),
    (5, _("5 – very good")),
]


class ConflictForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest regarding this application?"),
        choices=[
            (NO, _("No, I have no conflict of interest.")),
            (YES, _("Yes, I have a conflict of interest.")),
        ],
        coerce=lambda value: value == YES,
        widget=forms.RadioSelect,
        help_text=_(
            "A conflict of interest exists if you, or someone close to you, have a personal, "
            "professional or financial interest in the company or the project (for example "
            "employment, a seat on a board, business relations or kinship)."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required if you declare a conflict: please describe it briefly."),
    )


def _score(name):
    return forms.TypedChoiceField(
        label=capfirst(Review._meta.get_field(name).verbose_name),
        choices=SCORES,
        coerce=int,
        empty_value=None,
    )


class ReviewForm(forms.Form):
    score_viability = _score("score_viability")
    score_employment = _score("score_employment")
    score_cooperation = _score("score_cooperation")
    score_risk = _score("score_risk")
    score_management = _score("score_management")
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        choices=Review.Recommendation.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment for the board"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Your assessment in a few sentences; the board reads it with the scores."),
    )

    @classmethod
    def for_review(cls, review):
        """An unbound form prefilled with an existing review (for editing it)."""
        if review is None:
            return cls()
        names = (*Review.CRITERIA, "recommendation", "comment")
        return cls(initial={name: getattr(review, name) for name in names})


class AssignForm(forms.Form):
    """Offers the candidates; any existing user is accepted so that the service can say why not."""

    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"),
        queryset=get_user_model().objects.none(),
        empty_label=_("Please choose"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = get_user_model().objects.all()
        self.offer(())

    def offer(self, candidates):
        """Show only these reviewers as choices (the service decides on any other)."""
        field = self.fields["reviewer"]
        field.widget.choices = [("", field.empty_label)] + [
            (user.pk, user.get_full_name() or user.username) for user in candidates
        ]


class CloseRoundForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing the round with fewer reviews"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
