"""Form pieces shared by the list pages."""

import re

from django import forms

from tracker.forms import FilterForm, OwnerForm, PillarForm, PlainSelect, StatusForm

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


def test_the_edit_forms_menus_write_what_the_template_widget_writes(analyst, reviewer):
    # The status, owner and pillar menus of a recommendation's page, and the owner choice of
    # its model choice field (the users who may own it), with one chosen.
    form = OwnerForm(initial={"owner": analyst.get_username(), "version": 1})
    field = form.fields["owner"]
    assert isinstance(field.widget, PlainSelect)
    template = forms.Select(choices=field.choices).render("owner", analyst.get_username())
    assert _squeeze(field.widget.render("owner", analyst.get_username())) == _squeeze(template)
    assert f'<option value="{analyst.get_username()}" selected>' in str(form["owner"])
    for form, name in ((StatusForm(), "status"), (PillarForm(), "pillar")):
        field = form.fields[name]
        assert isinstance(field.widget, PlainSelect)
        template = forms.Select(choices=field.choices).render(name, field.choices[1][0])
        assert _squeeze(field.widget.render(name, field.choices[1][0])) == _squeeze(template)
