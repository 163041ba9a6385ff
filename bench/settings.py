"""Settings for benchmark runs: the production settings (DEBUG off) with bench-only secrets.

The database comes from DATABASE_URL, which the bench runner points at the file or PostgreSQL
database it built for one size. Nothing else differs from a deployment, so the timings are those
of the real middleware, templates and queries.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuv")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The load generator speaks plain HTTP on loopback, so HTTPS redirects and secure cookies are off.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The bench signs its users in with `force_login`, which passes no second factor: with
# deployment's default ("reviewers") every page would answer the redirect to the code page.
os.environ.setdefault("TWO_FACTOR_REQUIRED", "none")

from tiptracker.settings import *  # noqa: E402,F403

# The pages are measured without their static files; an empty folder of the bench's own keeps
# WhiteNoise quiet on a fresh clone, where no `collectstatic` has run.
STATIC_ROOT = BASE_DIR / "bench" / "data" / "static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Bench users never sign in with a password; a fast hasher keeps user creation out of the timings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    # The manifest storage needs collectstatic; the pages under test only need the URLs.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
