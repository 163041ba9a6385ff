"""Name the reviewer and the time of review of every approved or returned assessment.

The next migration makes the database refuse an approved or returned assessment without them.
The app's review step has always set both, but early versions of the admin let a user set an
assessment's state by hand, so rows without them may exist. Each is mended from its own
history where it can be:
- an assessment whose approval or return is recorded among its events takes the reviewer and
  the time from the latest such event;
- one that names a reviewer but no time, and has no such event, takes the time it last changed
  (`updated_at`), the nearest the row holds;
- one with no reviewer and no such event was never reviewed by anyone the tracker knows of: it
  goes back to "submitted", waiting for a review, and its review time is cleared.
No assessment event is written for these changes: no user made them.
"""

from django.db import migrations
from django.db.models import Q

REVIEWED = ["approved", "returned"]


def name_the_reviews(apps, schema_editor):
    Assessment = apps.get_model("tracker", "Assessment")
    AssessmentEvent = apps.get_model("tracker", "AssessmentEvent")
    db = schema_editor.connection.alias
    unnamed = Assessment.objects.using(db).filter(
        Q(reviewer__isnull=True) | Q(reviewed_at__isnull=True), state__in=REVIEWED
    )
    for assessment in list(unnamed):
        event = (
            AssessmentEvent.objects.using(db)
            .filter(assessment=assessment, action=assessment.state, to_state=assessment.state)
            .order_by("-at", "-id")
            .first()
        )
        changes = {}
        if event is not None:
            changes["reviewer_id"] = assessment.reviewer_id or event.by_id
            changes["reviewed_at"] = assessment.reviewed_at or event.at
        elif assessment.reviewer_id is not None:
            changes["reviewed_at"] = assessment.updated_at
        else:
            changes.update(state="submitted", reviewed_at=None)
        Assessment.objects.using(db).filter(pk=assessment.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0020_export_job_kinds_registered")]

    operations = [migrations.RunPython(name_the_reviews, migrations.RunPython.noop)]
