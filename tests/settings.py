"""Settings for the test suite: production-like (DEBUG off), with test-only secrets."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

from tiptracker.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suite signs reviewers in with `force_login`; the two-factor tests (test_two_factor.py)
# switch the requirement on, and test_deploy checks that production requires it.
TWO_FACTOR_REQUIRED = "none"
MEDIA_ROOT = tempfile.mkdtemp(prefix="tiptracker-test-media-")
EXPORTS_ROOT = tempfile.mkdtemp(prefix="tiptracker-test-exports-")
# WhiteNoise scans STATIC_ROOT when the middleware starts; a private, empty one keeps tests
# clear of `collectstatic` runs (by `make serve` or the deployment tests) rewriting the shared one.
STATIC_ROOT = tempfile.mkdtemp(prefix="tiptracker-test-static-")
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The API's rates are tested on their own (tests/test_api_auth.py); elsewhere they stay out of
# the way of suites that make many requests.
API_RATE_PER_TOKEN = "100000/minute"
API_RATE_PER_USER = "100000/minute"
