from django import forms
from django.utils.translation import gettext_lazy as _

from .delivery import url_problems
from .models import Delivery


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The address that receives the events by POST; it must start with https://."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What the endpoint is for, e.g. the name of the connected system."),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        problems = url_problems(url)
        if problems:
            raise forms.ValidationError(problems)
        return url


class LogFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all")), *Delivery.Status.choices],
    )
