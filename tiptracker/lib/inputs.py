"""Numbers and encoded values taken from a request, parsed in one place.

Whatever a page, form, filter or cursor takes as a number (an id, a version, a page) or as an
encoded value (a public id, a base64 cursor) is read through these helpers: a value that cannot
be what it stands for raises `BadInput`, a `BadRequest` whose message says which value and why.
The pages answer it with a 400 page that shows the message (tiptracker.middleware), the API
with a 400 problem naming the parameter (api.errors). Nothing unchecked reaches a query, where
a number past 64 bits fails in the database driver (a 500) instead of being refused.
"""

import base64
import binascii
import re
import uuid

from django.core.exceptions import BadRequest

# The largest value of a 64-bit signed integer column, and so of any id the database holds.
MAX_ID = 2**63 - 1
# The largest value of a PositiveIntegerField (a version number) on every database.
MAX_POSITIVE_INT = 2**31 - 1
_INTEGER = re.compile(r"[+-]?[0-9]+")
_SHOWN = 40
_DIGITS = 100


class BadInput(BadRequest):
    """A value of the request that cannot be what it names; `name` is the parameter."""

    def __init__(self, message: str, *, name: str = ""):
        super().__init__(message)
        self.name = name


def shown(value) -> str:
    """Return `value` as a message may quote it: short, and printable."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(char if char.isprintable() else "?" for char in text)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def whole_number(value, *, name: str, minimum: int, maximum: int) -> int:
    """Return `value` as an integer from `minimum` to `maximum`, or raise BadInput."""
    text = value.strip() if isinstance(value, str) else str(value)
    # A long run of digits is refused before int() is asked to convert it.
    if not (text.isascii() and len(text) <= _DIGITS and _INTEGER.fullmatch(text)):
        raise BadInput(f"“{name}” must be a whole number, not “{shown(value)}”.", name=name)
    number = int(text)
    if not minimum <= number <= maximum:
        raise BadInput(
            f"“{name}” must be a whole number from {minimum} to {maximum}, not {shown(text)}.",
            name=name,
        )
    return number


def record_id(value, *, name: str) -> int:
    """Return `value` as the id of a database row (a positive 64-bit integer)."""
    return whole_number(value, name=name, minimum=1, maximum=MAX_ID)


def public_id(value, *, name: str) -> uuid.UUID:
    """Return `value` as a public identifier (a UUID, with or without hyphens)."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not (text.isascii() and len(text) <= 36):
            raise ValueError(text)
        return uuid.UUID(text)
    except ValueError:
        raise BadInput(
            f"“{name}” must be an identifier such as 0b8f…-…, not “{shown(value)}”.", name=name
        ) from None


def base64_text(value, *, name: str, max_length: int = 1000) -> str:
    """Return the UTF-8 text that `value` (URL-safe or standard base64) encodes."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not text.isascii() or len(text) > max_length:
            raise ValueError(text)
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True).decode(
            "utf-8"
        )
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadInput(f"“{name}” is not a value this site gave out.", name=name) from None
