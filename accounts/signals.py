"""At login: short sessions for the privileged roles, and the user's language in the session."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import security, selectors, sessions


@receiver(user_logged_in, dispatch_uid="accounts.on_login")
def on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if security.is_privileged(user):
        # Ends when the browser closes; the server still ends it after SESSION_COOKIE_AGE.
        request.session.set_expiry(0)
    sessions.remember_language(request, selectors.stored_language(user))
