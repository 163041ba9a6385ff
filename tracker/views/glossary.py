"""The glossary: what the statuses, ratings, sensitivity levels, audiences, tiers and periods
mean, written for analysts. Each term's label comes from its vocabulary, so the page and the
forms always name it the same way."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tracker.models import (
    Assessment,
    Audience,
    Evidence,
    Recommendation,
    Tier,
)

STATUSES = {
    "no_action": _("The government has done nothing on record towards the recommendation."),
    "in_progress": _(
        "Steps are under way (a draft law, a first prosecution, a pilot shelter) but "
        "the recommendation is not yet met."
    ),
    "implemented": _("The recommendation is met as the report worded it."),
    "regressed": _(
        "The government moved away from it: a law repealed, a service closed, more forced returns."
    ),
    "cannot_assess": _(
        "No reliable information reached us. This is not the same as no action: "
        "for a closed country it is often the honest answer."
    ),
}
RATINGS = {
    "regression": _("Over the follow-up period things got worse."),
    "no_progress": _("Nothing changed that the evidence shows."),
    "limited": _("Some movement, well short of what the recommendation asks."),
    "substantial": _("Most of what it asks was done, with gaps left."),
    "implemented": _("Done in full within the period."),
    "cannot_assess": _("The evidence is too thin or unreliable to judge."),
}
CONFIDENCE = {
    "high": _("Several independent, reliable sources agree."),
    "moderate": _("One good source, or several that partly agree."),
    "low": _("Indirect or single, unverified sources; say why in the narrative."),
}
STATES = {
    "draft": _("Being written; only its author (or the item's owner) edits and submits it."),
    "submitted": _("Waiting for a reviewer who took no part in writing it."),
    "approved": _(
        "Accepted by a reviewer and frozen; it counts in the summaries. A correction "
        "opens a new version with its own history."
    ),
    "returned": _("Sent back by a reviewer with a note on what to change; resubmitted after."),
}
SENSITIVITY = {
    "public": _(
        "May appear in anything published, including the public summaries. A status "
        "reason or an assessment narrative is public only when its writer chose so, and only if "
        "it cites public evidence alone."
    ),
    "internal": _(
        "For everyone signed in (viewers, analysts, reviewers); never published. The "
        "default of status reasons and assessment narratives; review notes and correction reasons "
        "are always internal."
    ),
    "restricted": _(
        "Seen only by reviewers and the analyst who logged or wrote it, for sources "
        "that could be harmed if known. Each view and download of restricted evidence is recorded; "
        "a text that cites restricted evidence is restricted too."
    ),
}
AUDIENCES = {
    "public": _(
        "A summary holding public evidence and public texts only: what is published, and "
        "what the command-line export gives by default. Other reasons and narratives are left out, "
        "and the summary says so beside the status or rating they explain."
    ),
    "internal": _("Public and internal evidence and texts: the summary pages' default."),
    "restricted": _("Everything, restricted evidence and texts included; reviewers only."),
}
TIERS = {
    "tier_1": _("The government fully meets the minimum standards for eliminating trafficking."),
    "tier_2": _("It does not fully meet them but is making significant efforts to."),
    "tier_2_watch_list": _(
        "As Tier 2, with a concern that needs watching: many victims, or no "
        "evidence of increasing efforts over the previous year."
    ),
    "tier_3": _("It neither fully meets the minimum standards nor makes significant efforts to."),
    "special_case": _("A country the report cannot place on a tier, for example during conflict."),
}
DIRECTIONS = {
    "progress": _("The source shows the government acting on the recommendation."),
    "no_change": _("The source shows things as they were."),
    "regression": _("The source shows things getting worse."),
}
LINKS = {
    "repeated": _("The same recommendation as in the previous imported year."),
    "reworded": _("The same recommendation in new words; the item's page shows the changes."),
    "new": _("Nothing in the earlier years matches it."),
}


def _terms(choices, texts: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(code, label, texts[code]) for code, label in choices]


def glossary_sections() -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """Return the glossary's sections: (anchor, title, [(code, label, meaning)])."""
    return [
        ("statuses", _("Recommendation statuses"), _terms(Recommendation.Status.choices, STATUSES)),
        ("ratings", _("Assessment ratings"), _terms(Assessment.Rating.choices, RATINGS)),
        ("confidence", _("Confidence"), _terms(Assessment.Confidence.choices, CONFIDENCE)),
        ("states", _("Assessment steps"), _terms(Assessment.State.choices, STATES)),
        (
            "sensitivity",
            _("Sensitivity of evidence and texts"),
            _terms(Evidence.Sensitivity.choices, SENSITIVITY),
        ),
        ("directions", _("Evidence direction"), _terms(Evidence.Direction.choices, DIRECTIONS)),
        ("audiences", _("Summary audiences"), _terms(Audience.choices, AUDIENCES)),
        ("tiers", _("Tiers"), _terms(Tier.choices, TIERS)),
        ("links", _("Links between years"), _terms(Recommendation.LinkKind.choices, LINKS)),
    ]


@require_GET
@login_not_required
def glossary(request):
    """Explain the vocabulary of the app: statuses, ratings, sensitivity, audiences, tiers…

    Open to anyone, the sign-in page included: it holds definitions only, no data.
    """
    return render(request, "tracker/glossary.html", {"sections": glossary_sections()})
