"""What the public site's tests share: real narratives published for the public, and a crawler.

`Crawler` visits the public site as a visitor who is not signed in: from the front page and the
files nothing links to, it follows every link within the site (pages, downloads, data files,
feeds) and walks the public API from its root, keeping what each address answered.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pypdfium2
from django.core.cache import caches
from django.test import Client

from api import public as public_record
from public import offline, opendata
from tracker import importer

ROOT = Path(__file__).resolve().parent.parent
NORTH_KOREA = [
    ROOT / "fixtures" / "narratives" / "2020_north-korea.txt",
    ROOT / "fixtures" / "tip-2021-north-korea.txt",
]
SYRIA_2021 = ROOT / "fixtures" / "narratives" / "2021_syria.txt"


def forget_public_caches() -> None:
    """Empty the public site's caches, so one test's pages never meet another's data."""
    caches["public"].clear()
    public_record._kept.clear()
    opendata._kept.clear()


def import_narratives(*paths: Path) -> None:
    importer.import_batch([importer.parse_file(path) for path in paths])


class Crawler:
    """Visit every public address as an anonymous visitor; keep each answer."""

    API_ROOT = "/api/v1/public/"

    def __init__(self, client: Client | None = None):
        self.client = client or Client()
        self.answers: dict[str, tuple[int, str, bytes]] = {}

    def get(self, path: str):
        response = self.client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        self.answers[path] = (response.status_code, response.get("Content-Type", ""), body)
        return response.status_code, response.get("Content-Type", ""), body

    def crawl_site(self) -> None:
        queue = list(offline.ENTRY_POINTS)
        while queue:
            path = queue.pop(0)
            if path in self.answers or path.startswith("/static/"):
                continue
            status, content_type, body = self.get(path)
            assert status == 200, f"{path} answered {status}"
            if content_type.startswith("text/html"):
                for link in offline.links_in(body):
                    if offline.IN_COPY.match(link):
                        queue.append(link)
            if content_type.startswith(("application/atom+xml", "application/xml")):
                queue.extend(
                    re.sub(r"^https?://[^/]+", "", link)
                    for link in re.findall(rb"(?:href=\"|<loc>)(https?://[^\"<]+)", body)
                    for link in [link.decode()]
                )

    def crawl_api(self) -> None:
        """Follow every URL the public API's answers name, and each page of its lists."""
        queue = [self.API_ROOT]
        while queue:
            path = queue.pop(0)
            if path in self.answers:
                continue
            status, _, body = self.get(path)
            assert status == 200, f"{path} answered {status}"
            for url in re.findall(r'"(https?://[^"]+)"', body.decode()):
                local = re.sub(r"^https?://[^/]+", "", url)
                if local.startswith(self.API_ROOT):
                    queue.append(local)

    def crawl(self) -> dict[str, tuple[int, str, bytes]]:
        self.crawl_site()
        self.crawl_api()
        return self.answers


def readable(content_type: str, body: bytes) -> str:
    """Return the text a person could read in an answer: PDF text, workbook cells, or the text."""
    if body.startswith(b"%PDF"):
        pdf = pypdfium2.PdfDocument(body)
        try:
            return "\n".join(page.get_textpage().get_text_range() for page in pdf)
        finally:
            pdf.close()
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    text = body.decode("utf-8", "replace")
    if content_type.startswith("application/json"):
        # JSON may escape characters; the parsed values are what a reader sees.
        try:
            return text + "\n" + json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text
