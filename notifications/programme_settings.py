"""What notifications add to the programme settings page: the reminder offsets (registered in
``NotificationsConfig.ready()``): every offset the apps' reminder rules registered, in days."""

import rules
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding import programme_settings
from funding.web import attempt

from . import forms, offsets

KEY = "reminders"


def reminders_context(request, programme, form=None):
    """The offsets' form, showing the programme's values (coordination office only)."""
    if not rules.has_perm("funding.manage_programme", request.user, programme):
        return None
    if form is None:
        table = offsets.Table({programme.pk: programme.reminder_days})
        initial = {name: table.days(programme.pk, name) for name in table.defaults}
        form = forms.ReminderOffsetsForm(initial=initial)
    return {"form": form}


def reminders_post(request, programme):
    """Save the offsets: None when saved, else (status, the section's context)."""
    form = forms.ReminderOffsetsForm(request.POST)
    if not form.is_valid():
        return 400, reminders_context(request, programme, form)
    _saved, refused = attempt(
        lambda: offsets.update_reminder_days(request.user, programme, form.cleaned_data), form
    )
    if refused is not None:
        return refused.status, reminders_context(request, programme, form)
    messages.success(request, _("The reminder settings have been saved."))
    return None


def register():
    programme_settings.add_section(
        KEY,
        gettext_lazy("Reminders"),
        "notifications/_programme_reminders.html",
        reminders_context,
        post=reminders_post,
        order=30,
    )
