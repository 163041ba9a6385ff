"""The languages the tracker speaks, and each user's choice among them.

English is the source; `settings.LANGUAGES` lists the others. A visitor's choice is kept in a
cookie (Django's `LocaleMiddleware` reads it, or the browser's Accept-Language on a first
visit); a signed-in user's choice is also kept with their account, so it follows them to any
browser: it is copied into the session when they sign in, and `tiptracker.middleware.
user_language` applies it to each of their requests.
"""

import functools

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

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


class UnknownLanguage(ValueError):
    """A `?lang=` value that is not one of the tracker's languages."""


def requested_language(request) -> str | None:
    """Return the language `?lang=` asks for, None when it asks none; raise UnknownLanguage."""
    asked = request.GET.get("lang")
    if asked is None or asked == "":
        return None
    if asked not in codes():
        raise UnknownLanguage(
            _("Unknown language %(asked)s: choose one of %(codes)s.")
            % {"asked": asked[:20], "codes": ", ".join(codes())}
        )
    return asked


def in_requested_language(view):
    """Run `view` in the language `?lang=` asks for (summaries and their downloads), if any.

    An unknown language is answered 400 with a page that says which ones there are.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            language = requested_language(request)
        except UnknownLanguage as exc:
            return render(request, "request_refused.html", {"message": str(exc)}, status=400)
        if language is None:
            return view(request, *args, **kwargs)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        response.headers.setdefault("Content-Language", language)
        return response

    return wrapped


def add_language_option(parser) -> None:
    """Give a management command that writes summaries its `--language` option."""
    parser.add_argument(
        "--language",
        default="en",
        help="Write the words in this language: one of " + ", ".join(codes()) + " (default en).",
    )


def command_language(value: str | None) -> str:
    """Return the `--language` asked for, or raise CommandError naming the languages there are."""
    from django.core.management.base import CommandError

    language = value or settings.LANGUAGE_CODE
    if language not in codes():
        raise CommandError(f"Unknown language {language!r}: choose one of {', '.join(codes())}.")
    return language
