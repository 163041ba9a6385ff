"""WSGI entry point for gunicorn and other servers: the production entry point."""

import os

from django.core.wsgi import get_wsgi_application

from tiptracker import refuse_unintended_local_mode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiptracker.settings")

refuse_unintended_local_mode("tiptracker.wsgi")
application = get_wsgi_application()
