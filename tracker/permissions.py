"""Who may do what: the role checks the pages ask, and the rules about authors and reviewers.

The services enforce these whatever the entry point; views and templates ask the same
questions to offer only the actions a user can take.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tracker.models import Assessment, AssessmentEvent, Evidence


def can_edit(user) -> bool:
    """Return whether `user` may change statuses, log evidence and draft assessments."""
    return user.has_perm("tracker.change_status")


def can_review(user) -> bool:
    """Return whether `user` may approve or return assessments."""
    return user.has_perm("tracker.review_assessment")


def can_import(user) -> bool:
    """Return whether `user` may import narratives."""
    return user.has_perm("tracker.import_report")


def may_own() -> Q:
    """Return the condition on users who may own a recommendation: THE rule, those who may
    change it (as a condition, so a list can combine it with others in one query)."""
    return Q(is_active=True) & (
        Q(groups__permissions__codename="change_status") | Q(is_superuser=True)
    )


def owner_candidates():
    """Return the users who may own a recommendation, by username (`may_own`).

    The owner forms offer them, and the API and the services accept only them.
    """
    return get_user_model().objects.filter(may_own()).distinct().order_by("username")


def may_change_evidence(evidence: Evidence, user) -> bool:
    """Return whether `user` may edit or withdraw `evidence`: who logged it, or a reviewer.

    As with assessments, the author answers for what they wrote; reviewers may put any item
    right. Viewers never may.
    """
    if not user.has_perm("tracker.add_evidence"):
        return False
    return evidence.logged_by_id == user.pk or user.has_perm("tracker.review_assessment")


# The events by which someone shaped a revision's text; whoever has one may not review it.
AUTHORING_ACTIONS = ("drafted", "edited", "submitted", "correction opened")
# The audit words stay English; a refusal shows them in the reader's language.
_AUTHORING_WORDS = {
    "drafted": pgettext_lazy("authoring step", "drafted"),
    "edited": pgettext_lazy("authoring step", "edited"),
    "submitted": pgettext_lazy("authoring step", "submitted"),
    "correction opened": pgettext_lazy("authoring step", "correction opened"),
}
_ONE_AUTHORING_REFUSAL = {
    "drafted": _(
        "You drafted this revision, so another reviewer must approve or return it: "
        "review is independent of writing."
    ),
    "edited": _(
        "You edited this revision, so another reviewer must approve or return it: "
        "review is independent of writing."
    ),
    "submitted": _(
        "You submitted this revision, so another reviewer must approve or return it: "
        "review is independent of writing."
    ),
    "correction opened": _(
        "You correction opened this revision, so another reviewer must approve or return it: "
        "review is independent of writing."
    ),
}


def may_edit_assessment(assessment: Assessment, user) -> bool:
    """Return whether `user` may edit or submit `assessment`: its author or the item's owner.

    Another analyst's draft is theirs to finish; the recommendation's owner answers for the
    item and may take it over. Reviewers comment by returning a submission, not by editing it.
    """
    if not user.has_perm("tracker.change_assessment"):
        return False
    if assessment.author_id == user.pk:
        return True
    owner_id = assessment.recommendation.owner_id
    return owner_id is not None and owner_id == user.pk


def review_refusal(assessment: Assessment, user) -> str:
    """Return why `user` may not review `assessment` because they helped write it, or ""."""
    if assessment.author_id == user.pk:
        return gettext("You wrote this assessment, so another reviewer must approve or return it.")
    actions = set(
        AssessmentEvent.objects.filter(
            assessment=assessment, by=user, action__in=AUTHORING_ACTIONS
        ).values_list("action", flat=True)
    )
    if not actions:
        return ""
    done = [action for action in AUTHORING_ACTIONS if action in actions]
    if len(done) == 1:
        return str(_ONE_AUTHORING_REFUSAL[done[0]])
    # Translators: %(actions)s lists the steps, e.g. "drafted, edited"; each is translated
    # with the context "authoring step", so phrase the sentence around a list of them.
    return gettext(
        "You %(actions)s this revision, so another reviewer must approve or return it: "
        "review is independent of writing."
    ) % {
        "actions": pgettext("list separator", ", ").join(
            str(_AUTHORING_WORDS[action]) for action in done
        )
    }
