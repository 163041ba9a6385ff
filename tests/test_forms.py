"""Form pieces shared by the list pages."""

import re

from django import forms

from tracker.forms import FilterForm, PlainSelect

CHOICES = [("", "Any country"), ("north-korea", "North Korea"), ("x", "<script>alert(1)</script>")]


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_plain_select_writes_what_the_template_widget_writes():
    attrs = {"id": "id_country", "class": "menu"}
    for value in ("", "north-korea", None):
        expected = forms.Select(attrs=attrs, choices=CHOICES).render("country", value)
        plain = PlainSelect(attrs=attrs, choices=CHOICES).render("country", value)
        assert _squeeze(plain) == _squeeze(expected)


def test_plain_select_escapes_labels_and_values():
    html = PlainSelect(choices=CHOICES).render("country", "x")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<option value="x" selected>' in html


def test_plain_select_keeps_option_groups():
    grouped = [("Asia", [("prk", "North Korea")]), ("Africa", [("gmb", "The Gambia")])]
    expected = forms.Select(choices=grouped).render("country", "gmb")
    assert _squeeze(PlainSelect(choices=grouped).render("country", "gmb")) == _squeeze(expected)


def test_filter_forms_render_their_single_choice_menus_plainly():
    class Filters(FilterForm):
        country = forms.ChoiceField(choices=CHOICES, required=False)
        several = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)

    form = Filters(data={"country": "north-korea"})
    assert isinstance(form.fields["country"].widget, PlainSelect)
    assert not isinstance(form.fields["several"].widget, PlainSelect)
    assert '<option value="north-korea" selected>North Korea</option>' in str(form["country"])
