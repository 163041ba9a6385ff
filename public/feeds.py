"""Atom feeds of what is published for the public: one for everything, one per country."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext

from public.caching import record_for

# The newest publications a feed lists; older ones stay on the site and in the open data.
ITEMS = 50


class PublicationsFeed(Feed):
    """The summaries published for the public, newest first (all, or one country's)."""

    feed_type = Atom1Feed

    def get_object(self, request, slug=None):
        record = record_for(request)
        if slug is None:
            return record, None
        country = record.countries.get(slug)
        if country is None:
            raise ObjectDoesNotExist(slug)
        return record, country

    def title(self, obj):
        _record, country = obj
        if country:
            return gettext("%(organisation)s: %(name)s: published progress summaries") % {
                "organisation": settings.ORGANISATION_NAME,
                "name": country.name,
            }
        return gettext("%(organisation)s: published progress summaries") % {
            "organisation": settings.ORGANISATION_NAME
        }

    def subtitle(self, obj):
        return gettext(
            "Each annual progress summary on the prioritized recommendations of the Trafficking "
            "in Persons Report, as it is published for the public."
        )

    def link(self, obj):
        _, country = obj
        return reverse("public_country", args=[country.slug]) if country else reverse("home")

    def feed_url(self, obj):
        _, country = obj
        if country:
            return reverse("public_country_feed", args=[country.slug])
        return reverse("public_feed")

    def author_name(self):
        return settings.ORGANISATION_NAME

    def items(self, obj):
        record, country = obj
        return (country.publications if country else record.publications)[:ITEMS]

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return reverse("public_summary", args=[item.id])

    def item_description(self, item):
        totals = item.summary.totals
        counts = "; ".join(
            gettext("%(label)s: %(n)s") % {"label": label, "n": n}
            for _code, label, _start, n in totals.status_rows
            if n
        )
        values = {
            "period": item.summary.period_statement,
            "recommendations": totals.recommendations,
            "counts": counts,
            "sha256": item.sha256,
        }
        if counts:
            return (
                gettext(
                    "%(period)s. %(recommendations)s recommendations (%(counts)s). SHA-256 of the "
                    "frozen content: %(sha256)s."
                )
                % values
            )
        return (
            gettext(
                "%(period)s. %(recommendations)s recommendations. SHA-256 of the frozen content: "
                "%(sha256)s."
            )
            % values
        )

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at
