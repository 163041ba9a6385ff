"""The sitemap of the public site: every public page, at the address `SITE_URL` names."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from api.public import public_record


class PublicSitemap(Sitemap):
    """Every page of the public site, each with the day its content last changed."""

    limit = 50000

    def items(self):
        record = public_record()
        newest = record.last_published_at
        pages = [(reverse("home"), newest), (reverse("public_glossary"), None)]
        pages += [(reverse("public_data"), newest), (reverse("public_data_dictionary"), None)]
        for country in record.countries.values():
            pages.append(
                (
                    reverse("public_country", args=[country.slug]),
                    country.publications[0].published_at,
                )
            )
        for publication in sorted(record.publications, key=lambda p: p.id):
            pages.append(
                (reverse("public_summary", args=[publication.id]), publication.published_at)
            )
        for reference, item in sorted(record.recommendations.items()):
            changed = item.appearances[0][0].published_at if item.appearances else None
            pages.append((reverse("public_recommendation", args=[reference]), changed))
        return pages

    def location(self, item):
        return item[0]

    def lastmod(self, item):
        return item[1]

    def get_urls(self, page=1, site=None, protocol=None):
        # The address the public reaches the site at, whoever asks and through whichever proxy.
        parts = urlsplit(settings.SITE_URL)
        site = SimpleNamespace(domain=parts.netloc)
        return super().get_urls(page=page, site=site, protocol=parts.scheme or "https")
