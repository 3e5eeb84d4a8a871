"""Forms of the notifications' pages. The use cases check every rule; forms only parse."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import offsets, registry


class ReminderOffsetsForm(forms.Form):
    """One whole number of days per registered reminder offset (``registry``), in its order;
    empty means the default. The range (``offsets.MIN_DAYS`` to ``MAX_DAYS``) is the use
    case's rule (422), so that a refused value is named beside its field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for offset in registry.reminder_offsets():
            self.fields[offset.name] = forms.IntegerField(
                label=offset.label,
                required=False,
                help_text=" ".join(
                    [
                        ngettext(
                            "Default: %(days)s day.", "Default: %(days)s days.", offset.default
                        )
                        % {"days": offset.default},
                        _("From %(min)s to %(max)s; empty: the default.")
                        % {"min": offsets.MIN_DAYS, "max": offsets.MAX_DAYS},
                    ]
                ),
                widget=forms.NumberInput(
                    attrs={"min": offsets.MIN_DAYS, "max": offsets.MAX_DAYS, "step": 1}
                ),
            )
