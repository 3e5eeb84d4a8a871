"""What accounts keeps in the session: the user's chosen language (no query per request)."""

LANGUAGE_KEY = "accounts_language"


def remember_language(request, language):
    if language:
        request.session[LANGUAGE_KEY] = language


def chosen_language(request):
    session = getattr(request, "session", None)
    return session.get(LANGUAGE_KEY) if session is not None else None
