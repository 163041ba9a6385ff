"""factory-boy factories for the domain model; history and reviews are made by the services."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from tracker import roles, services
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


def _in_follow_up(recommendation) -> datetime.date:
    """Return 1 December of the item's report year (or today, if that is still to come)."""
    return min(datetime.date(recommendation.report.year, 12, 1), timezone.localdate())


def _refuse_unknown(factory_name: str, unknown: dict) -> None:
    if unknown:
        raise TypeError(
            f"{factory_name} records through the services, which set {', '.join(sorted(unknown))} "
            "themselves; create the row another way if a test needs it otherwise."
        )


class StatusChangeFactory(factory.django.DjangoModelFactory):
    """A status change recorded by `services.recommendation_set_status`, as the app records one.

    The old status is the one the history gives on the effective date (pass `old_status` to
    check it); the time recorded is when the service ran. The default effective date is
    1 December of the item's report year, inside its follow-up period.
    """

    class Meta:
        model = StatusChange

    recommendation = factory.SubFactory(RecommendationFactory)
    new_status = Recommendation.Status.IN_PROGRESS
    reason = "Reported by a UN special rapporteur."
    changed_by = factory.SubFactory(UserFactory, role=roles.ANALYST)
    effective_date = factory.LazyAttribute(lambda change: _in_follow_up(change.recommendation))
    old_status = None
    evidence = ()

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        recommendation,
        new_status,
        reason,
        changed_by,
        effective_date,
        old_status,
        evidence,
        **unknown,
    ):
        _refuse_unknown(cls.__name__, unknown)
        change = services.recommendation_set_status(
            recommendation=recommendation,
            status=new_status,
            reason=reason,
            by=changed_by,
            evidence=evidence,
            effective_date=effective_date,
        )
        if old_status is not None and change.old_status != old_status:
            raise AssertionError(
                f"The history gives {change.old_status!r} before this change, not {old_status!r}."
            )
        return change


# The reviewer the factories keep for the reviews they make; `_independent_reviewer` picks
# another when this one wrote the assessment.
FACTORY_REVIEWER = "assessment-reviewer"


def _independent_reviewer(author):
    """Return a reviewer who did not write the assessment of `author`, made once and kept."""
    username = FACTORY_REVIEWER
    if author.get_username() == username:
        username = f"{FACTORY_REVIEWER}-2"
    return UserFactory(username=username, role=roles.REVIEWER)


class AssessmentFactory(factory.django.DjangoModelFactory):
    """An assessment taken through the workflow's services to the state asked for.

    `author` (a new analyst unless given) drafts it, with the findings and evidence given; the
    traits `submitted`, `approved` and `returned` send it for review, and the last two have it
    reviewed by `reviewer`: the one given, or a reviewer made for the purpose, never the author
    (review is independent). A returned assessment carries `review_note`. With `supersedes`
    (an approved assessment) it is that one's correction, opened by `assessment_correct`.
    """

    class Meta:
        model = Assessment

    class Params:
        submitted = factory.Trait(state=Assessment.State.SUBMITTED)
        approved = factory.Trait(state=Assessment.State.APPROVED)
        returned = factory.Trait(state=Assessment.State.RETURNED)

    supersedes = None
    recommendation = factory.Maybe(
        "supersedes",
        yes_declaration=factory.SelfAttribute("supersedes.recommendation"),
        no_declaration=factory.SubFactory(RecommendationFactory),
    )
    year = factory.Maybe(
        "supersedes", yes_declaration=factory.SelfAttribute("supersedes.year"), no_declaration=2021
    )
    rating = Assessment.Rating.NO_PROGRESS
    confidence = Assessment.Confidence.MODERATE
    narrative = "No verifiable change during the follow-up period."
    author = factory.SubFactory(UserFactory, role=roles.ANALYST)
    state = Assessment.State.DRAFT
    reviewer = None
    review_note = factory.LazyAttribute(
        lambda a: "Cite the evidence behind the rating." if a.state == "returned" else ""
    )
    findings = None
    evidence = None
    # The correction's number follows from `supersedes`; given, it is checked.
    revision = None

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        recommendation,
        year,
        rating,
        confidence,
        narrative,
        author,
        state,
        reviewer,
        review_note,
        supersedes,
        findings,
        evidence,
        revision,
        **unknown,
    ):
        _refuse_unknown(cls.__name__, unknown)
        content = {
            "rating": rating,
            "confidence": confidence,
            "narrative": narrative,
            "findings": findings,
            "evidence": evidence,
        }
        if supersedes is None:
            assessment = services.assessment_draft(
                recommendation=recommendation, year=year, by=author, **content
            )
        else:
            if (recommendation, year) != (supersedes.recommendation, supersedes.year):
                raise ValueError("A correction is of the same recommendation and year.")
            opened = services.assessment_correct(assessment=supersedes, by=author)
            assessment = services.assessment_update(assessment=opened, by=author, **content)
        if revision is not None and assessment.revision != revision:
            raise ValueError(f"This assessment is revision {assessment.revision}, not {revision}.")
        if state == Assessment.State.DRAFT:
            return assessment
        assessment = services.assessment_submit(assessment=assessment, by=author)
        if state == Assessment.State.SUBMITTED:
            return assessment
        review = {
            Assessment.State.APPROVED: services.assessment_approve,
            Assessment.State.RETURNED: services.assessment_return,
        }.get(state)
        if review is None:
            raise ValueError(f"Unknown assessment state {state!r}.")
        return review(
            assessment=assessment,
            by=reviewer or _independent_reviewer(author),
            note=review_note,
        )
