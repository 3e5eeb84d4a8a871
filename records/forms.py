from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmDeletionForm(forms.Form):
    """The coordinator's confirmation: the chosen candidates (or all) and the acknowledgement."""

    ALL, SELECTED = "all", "selected"

    scope = forms.ChoiceField(choices=((ALL, _("all")), (SELECTED, _("selected"))))
    candidates = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    understood = forms.BooleanField(
        label=_("I understand that the deletion cannot be undone."),
        error_messages={"required": _("Please confirm that you understand the warning.")},
    )

    def __init__(self, *args, candidate_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].choices = [(pk, pk) for pk in candidate_ids]

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.SELECTED and not data.get("candidates"):
            self.add_error("candidates", _("Please select at least one record."))
        return data

    def chosen(self):
        """The candidate ids, or None for all."""
        data = self.cleaned_data
        return None if data["scope"] == self.ALL else list(data["candidates"])
