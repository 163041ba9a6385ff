"""ASGI entry point, for servers that speak ASGI; `tiptracker.wsgi` is the usual one."""

import os

from django.core.asgi import get_asgi_application

from tiptracker import refuse_unintended_local_mode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiptracker.settings")

refuse_unintended_local_mode("tiptracker.asgi")
application = get_asgi_application()
