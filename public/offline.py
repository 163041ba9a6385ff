"""The public site as static files, for a static host or a USB stick.

`export_site` asks the app for every public page exactly as a visitor's browser would (through
the WSGI handler that serves the site, with its middleware and cache), starting from the front
page and following every link within the public site, and writes what it answers. A page at
`/a/b/` is written as `a/b/index.html` and any other address as its own path; the static files
the pages use are copied from the app's static files.

What is written equals what the server sends, but for the one change `rewrite_links` makes to
HTML pages: each `href` and `src` that names an address on the site becomes a relative link to
the file written for it (`index.html` named explicitly, so the copy works from a folder without a
web server), and one that names an address outside the copy (signing in, the API) becomes an
absolute link to the live site at `SITE_URL`. Feeds, the sitemap, data files and downloads are
written byte for byte.
"""

from __future__ import annotations

import io
import posixpath
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

# Where the crawl starts besides the links of the pages: files nothing links to.
ENTRY_POINTS = ("/", "/robots.txt", "/sitemap.xml", "/public/feed.atom")
# The addresses the copy holds (and follows links to); anything else is left to the live site.
IN_COPY = re.compile(r"^/(?:$|public/|static/|robots\.txt$|sitemap\.xml$)")
# A root-relative link in an attribute of an HTML tag (never `//host/…`, never text).
_LINK = re.compile(r'(<[^<>]*?\s(?:href|src)=")(/(?!/)[^"]*)(")')


class ExportRefused(Exception):
    """The site cannot be exported (the public site is off, the folder is not empty…)."""


def file_for(path: str) -> str:
    """Return the file (relative to the copy's root) written for the address `path`."""
    path = unquote(path)
    name = path.lstrip("/")
    if path.endswith("/"):
        name += "index.html"
    return name


def rewrite_links(html: bytes, path: str, in_copy) -> bytes:
    """Return the HTML page served at `path` with its links made to work from the copy.

    `in_copy(address)` says whether the copy holds the page or file at an address.
    """
    here = posixpath.dirname(file_for(path)) or "."

    def replace(match: re.Match) -> str:
        link = match.group(2)
        address, hash_, fragment = link.partition("#")
        if address and in_copy(address):
            target = posixpath.relpath(file_for(address), here)
        else:
            target = settings.SITE_URL + address
        return f"{match.group(1)}{target}{hash_}{fragment}{match.group(3)}"

    return _LINK.sub(replace, html.decode("utf-8")).encode("utf-8")


def links_in(html: bytes) -> list[str]:
    """Return the root-relative addresses an HTML page links to, without fragments."""
    return [m.group(2).partition("#")[0] for m in _LINK.finditer(html.decode("utf-8"))]


@dataclass
class Fetched:
    status: int
    content_type: str
    body: bytes


class SiteClient:
    """Ask the app for pages as the server would, at the address `SITE_URL` names."""

    def __init__(self):
        self.handler = WSGIHandler()
        parts = urlsplit(settings.SITE_URL)
        self.scheme = parts.scheme or "http"
        self.host = parts.netloc
        self.server_name = parts.hostname or "localhost"
        self.port = str(parts.port or (443 if self.scheme == "https" else 80))

    def get(self, path: str) -> Fetched:
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path),
            "QUERY_STRING": "",
            "SERVER_NAME": self.server_name,
            "SERVER_PORT": self.port,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": self.host,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if settings.BEHIND_TLS_PROXY:
            environ["HTTP_X_FORWARDED_PROTO"] = self.scheme
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split(" ", 1)[0])
            answer["headers"] = {name.lower(): value for name, value in headers}

        # One process asks for every page: keep its database connection between them, as
        # Django's own test client does, rather than closing it after each.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            result = self.handler(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        return Fetched(answer["status"], answer["headers"].get("content-type", ""), body)


def static_file(path: str) -> bytes | None:
    """Return the bytes of the static file at the address `path`, or None."""
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if not path.startswith(prefix):
        return None
    name = unquote(path[len(prefix) :])
    try:
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as stored:
                return stored.read()
    except (OSError, ValueError):
        pass
    found = finders.find(name)
    return Path(found).read_bytes() if found else None


@dataclass
class Export:
    """What an export wrote: each address with its file, and the total size."""

    files: dict[str, str] = field(default_factory=dict)  # address -> file
    size: int = 0


def crawl() -> dict[str, Fetched]:
    """Return every address of the public site with what the app answers for it."""
    if not settings.PUBLIC_SITE:
        raise ExportRefused("The public site is off (PUBLIC_SITE=0): there is nothing to export.")
    client = SiteClient()
    pages: dict[str, Fetched] = {}
    queue = list(ENTRY_POINTS)
    seen: set[str] = set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        if path.startswith("/static/"):
            body = static_file(path)
            if body is None:
                raise ExportRefused(f"A page links to the static file {path}, which is missing.")
            pages[path] = Fetched(200, "", body)
            continue
        fetched = client.get(path)
        if fetched.status == 400 and path == "/":
            raise ExportRefused(
                f"The app refused the host of SITE_URL ({settings.SITE_URL}): add it to "
                "ALLOWED_HOSTS."
            )
        if fetched.status != 200:
            raise ExportRefused(f"{path} answered {fetched.status}; nothing was written.")
        pages[path] = fetched
        if fetched.content_type.startswith("text/html"):
            queue.extend(link for link in links_in(fetched.body) if IN_COPY.match(link))
    return pages


def export_site(directory: Path) -> Export:
    """Write the public site into `directory` (missing or empty) as static files."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ExportRefused(f"{directory} is not an empty folder; choose a new or empty one.")
    pages = crawl()
    export = Export()
    for path, fetched in pages.items():
        body = fetched.body
        if fetched.content_type.startswith("text/html"):
            body = rewrite_links(body, path, pages.__contains__)
        name = file_for(path)
        if ".." in name.split("/"):
            raise ExportRefused(f"{path} does not name a file inside the copy.")
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        export.files[path] = name
        export.size += len(body)
    return export
