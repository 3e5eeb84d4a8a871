"""Forms of the review pages. The services check every rule; forms only parse the input."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from funding.models import Programme

from . import rubric as scoring
from . import selectors
from .models import ConflictDeclaration, Criterion, Review

YES, NO = "yes", "no"


class ConflictForm(forms.Form):
    """A declaration on conflicts of interest: none, or the type of the conflict ("other" needs
    a note; the service checks it). ``conflicts_only`` offers the conflict types alone (for a
    correction that may not return to "no conflict")."""

    kind = forms.ChoiceField(
        label=_("Do you have a conflict of interest regarding this application?"),
        choices=ConflictDeclaration.Kind.choices,
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
        help_text=_("Required for “other”: please describe the conflict briefly."),
    )

    def __init__(self, *args, conflicts_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        if conflicts_only:
            self.fields["kind"].choices = [
                choice
                for choice in ConflictDeclaration.Kind.choices
                if choice[0] != ConflictDeclaration.Kind.NONE
            ]


class ReviewForm(forms.Form):
    """A review against ``rubric``: one field ``score_<key>`` per criterion with its labelled
    points (in the reader's language), the confidence, the recommendation and the comment.

    The rubric's id travels with the form: the service refuses (409) when it is no longer the
    one to use. Confidence is required unless editing a review that has none.
    """

    rubric = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confidence = forms.ChoiceField(
        label=_("Your confidence in this assessment"),
        choices=Review.Confidence.choices,
        widget=forms.RadioSelect,
    )
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

    def __init__(self, *args, rubric=None, review=None, **kwargs):
        super().__init__(*args, **kwargs)
        language = scoring.reader_language()
        self.criteria = list(rubric.criteria.all()) if rubric is not None else []
        self.score_fields = []
        for criterion in self.criteria:
            name = scoring.field_name(criterion.key)
            choices = scoring.point_choices(criterion.labels, language)
            required = criterion.kind == Criterion.Kind.REQUIRED
            if not required:
                choices = [("", _("no score")), *choices]
            field = forms.TypedChoiceField(
                label=scoring.in_language(criterion, "name", language),
                help_text=scoring.in_language(criterion, "description", language),
                choices=choices,
                coerce=int,
                empty_value=None,
                required=required,
                widget=forms.RadioSelect,
            )
            if criterion.kind == Criterion.Kind.INFORMATIONAL:
                field.help_text = " ".join(
                    str(text) for text in (field.help_text, _("Shown, not counted.")) if text
                )
            self.fields[name] = field
            self.score_fields.append(name)
        # The criteria first, in the rubric's order; then confidence, recommendation, comment.
        self.order_fields([*self.score_fields, "confidence", "recommendation", "comment"])
        if rubric is not None:
            self.fields["rubric"].initial = rubric.pk
        if review is not None and not review.confidence:
            self.fields["confidence"].required = False
            self.fields["confidence"].choices = [("", _("not stated")), *Review.Confidence.choices]

    @classmethod
    def for_review(cls, review, rubric):
        """An unbound form against ``rubric``, prefilled with an existing review (for editing
        it) or empty for a new one."""
        if review is None:
            return cls(rubric=rubric)
        initial = {
            scoring.field_name(score.criterion.key): score.value for score in review.scores.all()
        }
        initial.update(
            {name: getattr(review, name) for name in ("confidence", "recommendation", "comment")}
        )
        return cls(rubric=rubric, review=review, initial=initial)


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
            (user.pk, _candidate_label(user)) for user in candidates
        ]


def _candidate_label(user):
    """The reviewer's name; flagged if they declared a conflict towards the company."""
    name = user.get_full_name() or user.username
    if getattr(user, "conflict_flagged", False):
        return _("%(name)s (declared a conflict towards this company)") % {"name": name}
    return name


class CloseRoundForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing the round with fewer reviews"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your post"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Seen by the reviewers of this round who have submitted their review, the "
            "coordination office and the board; never by the company. A change keeps the "
            "earlier text visible."
        ),
    )


# ----- the programme's rubric and review settings ------------------------------------------


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _labels_text(labels, language):
    return "\n".join(scoring.label(labels, value, language) for value in scoring.POINTS)


class CriterionForm(forms.Form):
    """One criterion of a rubric; the labels of the points 1–5 as five lines per language."""

    key = forms.SlugField(
        label=_("Key"),
        max_length=40,
        help_text=_("Lower-case letters, digits and underscores; unique in the rubric."),
    )
    name_de = forms.CharField(label=_("Name (German)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    description_de = forms.CharField(
        label=_("Description (German)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description_en = forms.CharField(
        label=_("Description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    weight = forms.DecimalField(
        label=_("Weight"), max_digits=4, decimal_places=2, initial=Decimal("1")
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Criterion.Kind.choices, initial=Criterion.Kind.REQUIRED
    )
    labels_de = forms.CharField(
        label=_("Labels of the points 1 to 5 (German)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Five lines, from 1 to 5; or none."),
    )
    labels_en = forms.CharField(
        label=_("Labels of the points 1 to 5 (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Five lines, from 1 to 5; or none."),
    )

    def clean(self):
        cleaned = super().clean()
        for name in ("labels_de", "labels_en"):
            if name in cleaned and len(_lines(cleaned[name])) not in (0, len(scoring.POINTS)):
                self.add_error(name, _("Please write five lines, or none."))
        return cleaned

    def criterion(self):
        """The criterion as the service takes it."""
        data = self.cleaned_data
        german, english = _lines(data.get("labels_de")), _lines(data.get("labels_en"))
        labels = []
        if german or english:
            labels = [
                {
                    "value": value,
                    "de": german[index] if index < len(german) else "",
                    "en": english[index] if index < len(english) else "",
                }
                for index, value in enumerate(scoring.POINTS)
            ]
        fields = ("key", "name_de", "name_en", "description_de", "description_en", "weight")
        return {
            **{name: data.get(name) for name in fields},
            "kind": data.get("kind"),
            "labels": labels,
        }

    @staticmethod
    def initial_for(criterion, position):
        values = {
            name: getattr(criterion, name)
            for name in (
                "key",
                "name_de",
                "name_en",
                "description_de",
                "description_en",
                "weight",
                "kind",
            )
        }
        values["labels_de"] = _labels_text(criterion.labels, "de") if criterion.labels else ""
        values["labels_en"] = _labels_text(criterion.labels, "en") if criterion.labels else ""
        values["ORDER"] = position + 1
        return values


CriterionFormSet = forms.formset_factory(
    CriterionForm, extra=1, can_order=True, can_delete=True, max_num=30, validate_max=True
)


def criterion_formset(rubric=None, data=None):
    """The rubric's criteria as a formset (one empty form to add one)."""
    initial = None
    if rubric is not None:
        initial = [
            CriterionForm.initial_for(criterion, position)
            for position, criterion in enumerate(rubric.criteria.all())
        ]
    return CriterionFormSet(data=data, initial=initial, prefix="criteria")


class ReviewSettingsForm(forms.Form):
    """The programme's review settings, labelled as on the programme."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Programme,
                fields=(
                    "reviews_required",
                    "review_period_days",
                    "review_cap",
                    "disagreement_threshold",
                ),
            )
        )


class DeclineForm(forms.Form):
    """Declining an assignment; the service requires the reason."""

    reason = forms.CharField(
        label=_("Why do you decline?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordination office reads the reason when it asks someone else."),
    )


# ----- the assignment proposal -------------------------------------------------------------

MAX_PROPOSAL_ROWS = 5000


class ProposalForm(forms.Form):
    """The proposal's rows as the office confirms them: per row ``application-<n>`` (hidden)
    and ``row-<n>`` (the reviewer; empty: the row is removed). Any user id is accepted, so
    that the service can say why not; ``offer`` sets each row's choices."""

    count = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_PROPOSAL_ROWS)

    def __init__(self, data=None, rows=(), **kwargs):
        """Unbound: from the proposal's ``rows`` (application id, reviewer id); bound: as many
        rows as ``count`` says."""
        initial = {"count": len(rows)}
        for index, (application_id, reviewer_id) in enumerate(rows):
            initial[f"application-{index}"] = application_id
            initial[f"row-{index}"] = reviewer_id
        super().__init__(data, initial=initial, **kwargs)
        count = len(rows)
        if data is not None:
            try:
                count = min(max(int(data.get("count", 0)), 0), MAX_PROPOSAL_ROWS)
            except (TypeError, ValueError):
                count = 0
        self.row_count = count
        for index in range(count):
            self.fields[f"application-{index}"] = forms.IntegerField(widget=forms.HiddenInput)
            self.fields[f"row-{index}"] = forms.IntegerField(
                label=_("Reviewer"), required=False, widget=forms.Select
            )

    def application_id(self, index):
        """The row's application id as sent or proposed (None if unreadable)."""
        name = f"application-{index}"
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def offer(self, choices, label, users=None):
        """Each row's select: ``choices[application id]`` (users), labelled by ``label(user)``,
        and the reviewer the row names (from ``users`` by id) if they are not among them."""
        users = users or {}
        for index in range(self.row_count):
            field = self.fields[f"row-{index}"]
            offered = list(choices.get(self.application_id(index), ()))
            named = self[f"row-{index}"].value()
            try:
                named = int(named)
            except (TypeError, ValueError):
                named = None
            if named in users and all(user.pk != named for user in offered):
                offered.append(users[named])
            options = [(user.pk, label(user)) for user in offered]
            field.widget.choices = [("", _("— do not assign (remove the row) —")), *options]

    def rows(self):
        """The confirmed rows: [(position, application id, reviewer id)], removed ones left
        out (call after ``is_valid``)."""
        return [
            (index, self.cleaned_data[f"application-{index}"], self.cleaned_data[f"row-{index}"])
            for index in range(self.row_count)
            if self.cleaned_data.get(f"row-{index}") is not None
        ]


class ProgrammeFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.all(),
        required=False,
        empty_label=_("All programmes"),
    )

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programmes is not None:
            self.fields["programme"].queryset = programmes


# ----- sectors and reviewer profiles -------------------------------------------------------


class SectorForm(forms.Form):
    name_de = forms.CharField(label=_("Name (German)"), max_length=100, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)


class SectorEditForm(SectorForm):
    active = forms.BooleanField(
        label=_("Offered for new applications and profiles"), required=False
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReviewerProfileForm(forms.Form):
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors you know"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The assignment proposal prefers reviewers who know the sector."),
    )
    available_from = forms.DateField(
        label=_("Not available before"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Leave empty if you are available. You are not proposed for applications whose "
            "review would be due before this date."
        ),
    )
    note = forms.CharField(
        label=_("Note for the coordination office"), max_length=200, required=False
    )

    def __init__(self, *args, sectors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sectors"].queryset = sectors


def reviewer_profile_form(user, data=None):
    """The profile section's form, prefilled from the reviewer's profile."""
    profile = selectors.reviewer_profile(user)
    kept = profile.sector_ids if profile else set()
    offered = selectors.offered_sectors(kept)
    initial = {}
    if profile is not None:
        initial = {
            "sectors": sorted(kept),
            "available_from": profile.available_from,
            "note": profile.note,
        }
    return ReviewerProfileForm(data, initial=initial, sectors=offered)
