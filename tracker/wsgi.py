"""WSGI entry point for gunicorn and other servers: the production entry point.

Local mode (DEBUG on with a development key) is a convenience of `manage.py` and `make run`. A
server started from here without SECRET_KEY (a service file that forgot the environment) must
not fall into it silently, so it refuses to start unless DEBUG=1 says local mode is meant.
"""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

# The settings load here, through DJANGO_SETTINGS_MODULE (a module such as the bench's may set
# the environment before it reads tracker.settings); only then is DEBUG's own word read.
_local_mode = settings.DEBUG
if _local_mode and os.environ.get("DEBUG", "").strip().lower() not in {"1", "true", "yes", "on"}:
    raise ImproperlyConfigured(
        "tracker.wsgi refuses to start in local mode: SECRET_KEY is not set. Set SECRET_KEY "
        "(a random value of 32+ characters) and ALLOWED_HOSTS, or DEBUG=1 to serve in local "
        "mode on purpose."
    )

application = get_wsgi_application()
