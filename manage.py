#!/usr/bin/env python
"""Run administrative tasks for TIP Tracker."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiptracker.settings")
    # With nothing set, manage.py (and `runserver` through it) is in local mode on purpose; the
    # WSGI entry point of a deployment refuses it unless DEBUG says so, as it does here.
    if not os.environ.get("SECRET_KEY", "").strip() and not os.environ.get("DEBUG", "").strip():
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
