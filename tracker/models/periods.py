"""The periods of a report year: what report Y describes, and when its items are followed up."""

import datetime

from django.utils import timezone

# The TIP Report was first published in 2001; a year past 2100 is a typing mistake. Every form,
# command, URL and constraint that takes a report year keeps to this one range.
FIRST_REPORT_YEAR = 2001
LAST_REPORT_YEAR = 2100


def is_report_year(year: int) -> bool:
    """Return whether `year` is in the range of report years the tracker holds."""
    return FIRST_REPORT_YEAR <= year <= LAST_REPORT_YEAR


def reporting_period(year: int) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of the reporting period of report year `year`.

    It is the period report `year` describes: 1 April of the year before to 31 March.
    """
    return datetime.date(year - 1, 4, 1), datetime.date(year, 3, 31)


def follow_up_period(year: int) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of the follow-up period of report year `year`'s items.

    Report `year`'s recommendations are followed up from 1 April `year` to 31 March `year`+1:
    the reporting period of the next report, which will judge whether they were acted on.
    """
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


def default_as_of(year: int, today: datetime.date | None = None) -> datetime.date:
    """Return the day report `year`'s items are judged on by default: the end of their
    follow-up period, or today while it is still running."""
    return min(follow_up_period(year)[1], today or timezone.localdate())
