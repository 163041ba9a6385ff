"""Colours and landmarks of the shared layout that WCAG 2.1 AA asks of every page.

The contrast ratios are computed from the stylesheets themselves, so a colour changed there is
checked here; the browser tests with axe-core check the rendered pages.
"""

import re
from pathlib import Path

import pytest

from tests.factories import RecommendationFactory

CSS = Path(__file__).resolve().parent.parent / "static" / "css"


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def variable(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", (CSS / "app.css").read_text())[1]


@pytest.mark.parametrize("background", ["paper", "wash"])
def test_the_focus_ring_stands_out_against_the_page(background):
    # Non-text contrast (WCAG 1.4.11): 3:1 against what it is drawn on.
    assert contrast(variable("focus"), variable(background)) >= 3


def test_the_focus_ring_stands_out_in_the_header():
    assert contrast(variable("focus-on-accent"), variable("accent")) >= 3
    assert "outline-color: var(--focus-on-accent)" in (CSS / "app.css").read_text()


def test_the_reworded_link_colour_is_readable_text():
    colour = re.search(
        r"\.link-reworded \{ color: (#[0-9a-f]{6})", (CSS / "trajectory.css").read_text()
    )[1]
    assert contrast(colour, "#ffffff") >= 4.5
    assert contrast(colour, variable("wash")) >= 4.5


def test_messages_are_announced_without_breaking_the_list(analyst_client, analyst):
    rec = RecommendationFactory()
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/status/",
        {"status": "in_progress", "reason": "A decree.", "version": rec.version},
        follow=True,
    )
    html = response.content.decode()
    assert '<div class="messages-region" role="status" tabindex="-1">' in html
    assert '<ul class="messages">' in html
    assert 'class="messages" role=' not in html
