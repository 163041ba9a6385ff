"""factory-boy factories for the domain model."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tracker import lineage
from tracker.models import (
    Assessment,
    Country,
    Evidence,
    Finding,
    Recommendation,
    Report,
    StatusChange,
    Tier,
    TierPlacement,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Country {n}")
    slug = factory.Sequence(lambda n: f"country-{n}")
    code = factory.Sequence(lambda n: "".join(chr(65 + (n // 26**i) % 26) for i in (2, 1, 0)))
    aliases = factory.List([])


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report
        skip_postgeneration_save = True

    country = factory.SubFactory(CountryFactory)
    year = 2021
    tier = Tier.TIER_3
    title = factory.LazyAttribute(lambda r: f"{r.year} Trafficking in Persons Report: {r.country}")
    introduction = "The government did not demonstrate any efforts."
    source_text = factory.LazyAttribute(lambda r: f"{r.title}\n{r.introduction}")
    source_sha256 = factory.Sequence(lambda n: f"{n:064x}")

    @factory.post_generation
    def placement(report, create, extracted, **kwargs):
        """Place the narrative's tier as its country's for the year, as an import does."""
        if create:
            TierPlacement.objects.update_or_create(
                country=report.country,
                year=report.year,
                defaults={"tier": report.tier, "source": TierPlacement.Source.NARRATIVE},
            )


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    report = factory.SubFactory(ReportFactory)
    section = Finding.Section.PROSECUTION
    position = factory.Sequence(lambda n: n + 1)
    text = "The government did not report any law enforcement efforts."


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    report = factory.SubFactory(ReportFactory)
    number = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(
        lambda r: f"{r.report.country.code}-{r.report.year}-{r.number:02d}"
    )
    text = factory.Sequence(lambda n: f"Investigate and prosecute trafficking cases, item {n}.")
    pillar = Recommendation.Pillar.PROSECUTION


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Report of the Special Rapporteur {n}")
    source_type = Evidence.SourceType.UN
    source_name = "United Nations"
    direction = Evidence.Direction.NO_CHANGE
    sensitivity = Evidence.Sensitivity.PUBLIC
    # Inside the follow-up period of the default (2021) narrative: 1 April 2021 – 31 March 2022.
    published_on = datetime.date(2021, 10, 1)
    logged_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def recommendations(self, create, extracted, **kwargs):
        if create and extracted:
            self.recommendations.set(extracted)


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange
        skip_postgeneration_save = True  # history rows are written once

    recommendation = factory.SubFactory(RecommendationFactory)
    old_status = Recommendation.Status.NO_ACTION
    new_status = Recommendation.Status.IN_PROGRESS
    reason = "Reported by a UN special rapporteur."
    changed_by = factory.SubFactory(UserFactory)
    effective_date = datetime.date(2021, 12, 1)

    @factory.post_generation
    def refresh_cached_status(self, create, extracted, **kwargs):
        # Made directly, not through the service: keep the cached status true, as it does.
        if create:
            lineage.refresh_status(
                Recommendation.objects.filter(ancestor_links__ancestor=self.recommendation_id)
            )


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    recommendation = factory.SubFactory(RecommendationFactory)
    year = 2021
    rating = Assessment.Rating.NO_PROGRESS
    confidence = Assessment.Confidence.MODERATE
    narrative = "No verifiable change during the follow-up period."
    author = factory.SubFactory(UserFactory)
