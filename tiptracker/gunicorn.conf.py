"""gunicorn's configuration (`make serve` passes it with `-c`): the scheme is trusted from a
forwarded header only behind the TLS proxy.

By default gunicorn believes `X-Forwarded-Proto: https` (and its other secure-scheme headers)
from 127.0.0.1 and from any Unix-socket peer, so without a proxy a client on the same machine
would pass for HTTPS: no redirect to HTTPS, and HSTS and secure cookies over plain HTTP. Django
trusts the header only with `BEHIND_TLS_PROXY` (tiptracker/settings.py); gunicorn is made to
agree. Behind the proxy gunicorn keeps its own default (`FORWARDED_ALLOW_IPS`, else loopback).
"""

import os

_ON = {"1", "true", "yes", "on"}

if os.environ.get("BEHIND_TLS_PROXY", "").strip().lower() not in _ON:
    forwarded_allow_ips = ""
    # No header makes a request HTTPS, whoever sends it (a Unix socket's peer included).
    secure_scheme_headers: dict[str, str] = {}
