"""How Arabic pages write a day with its time.

Django's Arabic formats give the day ("7 ديسمبر، 2026") but no day-and-time, so a time stamp fell
back to the global American form with English punctuation ("ديسمبر 7, 2026, 7:26 م."). The rest
comes from Django's Arabic formats.
"""

DATETIME_FORMAT = "j F، Y، g:i A"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y، g:i A"
