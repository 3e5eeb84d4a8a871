"""Forms of the board: propose a decision, object to a proposal. ``state`` is in none of them.

The rules of a decision (amount within the requested amount, the remaining budget and the de
minimis headroom; reasons for a rejection; a note for an objection) are checked by the
services, which answer with every violated rule (422); these forms check the input's shape
(400): amounts and rates typed in the user's language (``funding.numbers``), and the
programme's rules on the terms (``applications.checks.terms``: the maximum interest rate, the
term, the grace period) that the application had to meet as well.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications import checks
from applications.models import Instrument
from funding.numbers import MONEY, PERCENT, LocalDecimalField
from reviews.forms import ConflictForm

from .models import Decision

TERMS = ("instrument", "loan_term_months", "interest_rate", "grace_period_months")


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=Decision.Outcome.choices, widget=forms.RadioSelect
    )
    amount = LocalDecimalField(
        kind=MONEY,
        label=_("Granted amount (EUR)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("For an approval. Prefilled with the requested amount."),
    )
    instrument = forms.ChoiceField(
        label=_("Instrument"), choices=[("", "—"), *Instrument.choices], required=False
    )
    loan_term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=1, max_value=360, required=False
    )
    interest_rate = LocalDecimalField(
        kind=PERCENT,
        label=_("Interest rate (% p.a.)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
    )
    grace_period_months = forms.IntegerField(
        label=_("Grace period (months)"), min_value=0, max_value=120, required=False
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("For an approval: the conditions the decision letter names, one per line."),
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Required for a rejection: the reasons the decision letter gives."),
    )

    def __init__(self, *args, application=None, **kwargs):
        self.application = application
        if application is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "amount": application.requested_amount,
                **{name: getattr(application, name) for name in TERMS},
            }
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Decision.Outcome.APPROVE:
            if not data.get("instrument"):
                self.add_error("instrument", _("Please choose the instrument."))
            elif data["instrument"] == Instrument.LOAN:
                for name in ("loan_term_months", "interest_rate"):
                    if data.get(name) is None and name not in self.errors:
                        self.add_error(name, _("A loan needs its term and interest rate."))
            if self.application is not None:
                values = {name: data.get(name) for name in TERMS if name != "instrument"}
                for name, message in checks.terms(self.application.programme, **values):
                    if name not in self.errors:
                        self.add_error(name, message)
        return data

    def service_arguments(self):
        """The keyword arguments of ``services.propose_decision`` (after ``outcome``)."""
        data = self.cleaned_data
        if data["outcome"] == Decision.Outcome.APPROVE:
            # Conditions belong to an approval, reasons to a rejection (as in the letter).
            terms = {name: data[name] for name in TERMS}
            return {"amount": data["amount"], "conditions": data["conditions"], **terms}
        return {"reasons": data["reasons"]}


class ObjectionForm(forms.Form):
    note = forms.CharField(
        label=_("Why do you object?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required. The proposal closes; a new one can then be made."),
    )


class BoardDeclarationForm(ConflictForm):
    """A board member's declaration on conflicts of interest for one application."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].help_text = _(
            "A conflict of interest exists if you, or someone close to you, have a personal, "
            "professional or financial interest in the company or the project (for example "
            "employment, a seat on a board, business relations or kinship). With a conflict "
            "you take no part in the decision."
        )
