"""The languages the tracker speaks, and each user's choice among them.

English is the source; `settings.LANGUAGES` lists the others. A visitor's choice is kept in a
cookie (Django's `LocaleMiddleware` reads it, or the browser's Accept-Language on a first
visit); a signed-in user's choice is also kept with their account, so it follows them to any
browser: it is copied into the session when they sign in, and `tiptracker.middleware.
user_language` applies it to each of their requests.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in

from tracker.models import LanguagePreference

SESSION_KEY = "language"


def codes() -> list[str]:
    """Return the language codes, English first."""
    return [code for code, _ in settings.LANGUAGES]


def session_language(request) -> str | None:
    """Return the language a signed-in user chose, as their session keeps it, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    return chosen if chosen in codes() else None


def remember_on_login(sender, request, user, **kwargs) -> None:
    """Copy the language a user chose into the session they have just opened."""
    chosen = LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()
    if chosen in codes() and request is not None:
        request.session[SESSION_KEY] = chosen


def connect() -> None:
    user_logged_in.connect(remember_on_login, dispatch_uid="tracker.languages.remember")
