"""How English pages write days and times (British usage, the source language).

The other languages write them as Django's own formats for their locale do.

One way to write a day, "1 April 2021", and a time always with its zone, "1 April 2021, 14:05
UTC". Machine formats (CSV, JSON, the API, `<time datetime>`) stay ISO 8601 and never use these.
"""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i T"
SHORT_DATETIME_FORMAT = "j F Y, H:i T"
TIME_FORMAT = "H:i T"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
# What forms accept stays Django's British English (ISO first, as the date inputs send it).
