"""The public site's part of the local demo: a summary published for the public at once."""

from django.contrib.auth import get_user_model
from django.dispatch import receiver

from reports import services
from reports.models import PublishedSummary
from tracker.management.commands.seed_demo import demo_prepared
from tracker.models import Audience, Country

DEMO_COUNTRY = "north-korea"
DEMO_YEAR = 2021


@receiver(demo_prepared)
def publish_demo_summary(sender, stdout, **kwargs):
    """Publish the 2021 North Korea summary for the public, by the demo reviewer, once."""
    country = Country.objects.filter(slug=DEMO_COUNTRY).first()
    reviewer = get_user_model().objects.filter(username="reviewer").first()
    if country is None or reviewer is None:
        return
    published = PublishedSummary.objects.filter(
        country=country, year=DEMO_YEAR, audience=Audience.PUBLIC
    ).first()
    if published is None:
        published = services.summary_publish(
            year=DEMO_YEAR, country=country, by=reviewer, audience=Audience.PUBLIC
        )
        done = "published"
    else:
        done = "already published"
    stdout.write(
        f"Public site: the {DEMO_YEAR} summary of {country.name} is {done} for the public "
        f"(/public/summaries/{published.pk}/); open / without signing in to see it."
    )
