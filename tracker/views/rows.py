"""What a list page works out once per page rather than once per row.

A table of fifty rows asked each row for its address (`reverse`), and for the label of each of
its choices (`get_FOO_display`, which translates and hashes every label of the field again), and
those calls were most of the page's time. These helpers do that work once per request, in the
request's language and under its script prefix, and give each row plain values to show.
"""

import uuid
from collections.abc import Callable

from django.urls import reverse

# Keys that no real row has, so the one reversed address can be cut around them: an 18-digit id
# (the most `IdConverter` takes) and a UUID for the routes that take a public identifier.
_SAMPLE_ID = 918273645546372819
_SAMPLE_UUID = uuid.UUID("5a3f0c1e-7b2d-4e6a-9c8b-1d2e3f4a5b6c")


def address_of(name: str, *args, key: str = "id") -> Callable[[object], str]:
    """Return a function giving the address of view `name` for one row's key.

    `name` is reversed once, with `args` and a sample key last, and each row's address is that
    address with the row's key in its place: the same text `reverse` gives (the script prefix
    included), since the converters of these routes write an id as its digits and a UUID as
    its canonical form.
    """
    sample = _SAMPLE_UUID if key == "uuid" else _SAMPLE_ID
    before, after = reverse(name, args=[*args, sample]).split(str(sample))
    if key == "uuid":
        return lambda value: f"{before}{uuid.UUID(str(value))}{after}"
    return lambda value: f"{before}{int(value)}{after}"


def labels_of(model, field_name: str) -> dict:
    """Return {stored value: label} of a choice field, each label translated once, now."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def choice_label(labels: dict, value):
    """Return the label of `value` as `get_FOO_display` does: the value itself if unknown."""
    return labels.get(value, value)
