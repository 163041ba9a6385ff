"""The TIP Tracker project: settings, the root URL configuration and the server entry points.

The apps hold the product: `tracker` (the domain), `reports` (summaries and publication) and
`api` (the REST API). `tiptracker.lib` holds the few helpers that belong to no domain.
"""

import os


def refuse_unintended_local_mode(entry_point: str) -> None:
    """Refuse to serve in local mode unless DEBUG=1 says it is meant.

    Local mode (DEBUG on with a development key) is a convenience of `manage.py` and `make run`.
    A server started from an entry point without SECRET_KEY (a service file that forgot the
    environment) must not fall into it silently. Call it after the settings have loaded
    (through DJANGO_SETTINGS_MODULE, which a module such as the bench's may set up first).
    """
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.DEBUG and os.environ.get("DEBUG", "").strip().lower() not in {
        "1",
        "true",
        "yes",
        "on",
    }:
        raise ImproperlyConfigured(
            f"{entry_point} refuses to start in local mode: SECRET_KEY is not set. Set "
            "SECRET_KEY (a random value of 32+ characters) and ALLOWED_HOSTS, or DEBUG=1 to "
            "serve in local mode on purpose."
        )
