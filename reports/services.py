"""Writes of the reports app: publishing a summary, through one function like tracker's."""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reports import tasks
from reports.models import PublishedSummary
from reports.published import canonical_json
from reports.summary import build_summary
from tiptracker.lib.dates import long_date
from tracker.models import Audience

# The code of the refusal when the snapshot differs from the one the reviewer checked.
CHANGED_SINCE_CHECKED = "changed_since_checked"


@transaction.atomic
def summary_publish(
    *,
    year: int,
    country=None,
    by,
    audience: str = Audience.PUBLIC,
    as_of=None,
    expected_sha256: str | None = None,
) -> PublishedSummary:
    """Publish the annual progress summary of `country` (None: all countries) for `year`.

    It is built for `audience` (public unless the reviewer chooses otherwise) as of `as_of`
    (by default the end of the follow-up period, or today while it runs), as canonical JSON
    with no generation time inside: rebuilding it from unchanged data gives the same bytes and
    the same SHA-256. Its texts and evidence are those the audience may read, by the one
    visibility rule. Publishing content identical to the scope's latest publication is refused.

    `expected_sha256` is the SHA-256 of the snapshot the reviewer checked
    (`reports.checks.publication_check`): if anything changed since, nothing is published.
    """
    if not by.has_perm("reports.publish_summary"):
        raise PermissionDenied(_("You may not publish summaries."))
    if audience not in Audience.allowed_for(by):
        raise PermissionDenied(
            _("You may not publish a summary for the %(audience)s audience.")
            % {"audience": audience}
        )
    summary = build_summary(year=year, country=country, as_of=as_of, audience=audience, user=by)
    content = canonical_json(summary)
    sha256 = hashlib.sha256(content.encode("utf-8")).hexdigest()
    if expected_sha256 is not None and expected_sha256 != sha256:
        raise ValidationError(
            _(
                "The summary changed after you checked it (a status, a text, its sensitivity or "
                "the evidence): nothing was published. Check what it holds now, then confirm again."
            ),
            code=CHANGED_SINCE_CHECKED,
        )
    latest = (
        PublishedSummary.objects.filter(year=year, country=country)
        .order_by("-published_at", "-id")
        .only("sha256", "published_at")
        .first()
    )
    if latest is not None and latest.sha256 == sha256:
        raise ValidationError(
            _(
                "Nothing has changed since this summary was published on %(day)s; it was not "
                "published again."
            )
            % {"day": long_date(latest.published_at.date())}
        )
    published = PublishedSummary.objects.create(
        country=country,
        year=year,
        audience=summary.audience,
        as_of=summary.as_of,
        content=content,
        sha256=sha256,
        published_by=by,
    )
    # The worker renders its PDF, XLSX and CSV once, to be served from storage afterwards.
    transaction.on_commit(lambda: tasks.render_published_summary.enqueue(published.pk))
    return published
