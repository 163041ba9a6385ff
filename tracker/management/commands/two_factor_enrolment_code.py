"""`manage.py two_factor_enrolment_code USERNAME`: print a one-time enrolment code for a user.

Where two-factor sign-in is required, a user sets it up only with an enrolment code from an
administrator (the admin's "Give a two-factor enrolment code"). The first administrator of a
new deployment has nobody to ask: whoever runs commands on the server gives it with this.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker import services


class Command(BaseCommand):
    help = (
        "Print a one-time code with which USERNAME sets up two-factor sign-in (valid for three "
        "days; it replaces any code given before)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        user = get_user_model()._default_manager.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        code, record = services.enrolment_code_issue(user=user, by=None)
        self.stdout.write(
            f"Enrolment code for {user.get_username()}: {code} "
            f"(valid until {record.expires_at:%Y-%m-%d %H:%M %Z}; shown only now)."
        )
