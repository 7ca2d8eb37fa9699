"""Screenshots of the open widget for the documentation, at desktop and phone sizes."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from django_crm_messenger.services.messages import send_operator_message

from .conftest import Widget, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Test runs write to tests/artifacts/, which git ignores, so a run leaves
# the checkout clean. MESSENGER_UPDATE_SCREENSHOTS=1 writes the pictures
# that docs/widget.md shows instead.
ROOT = Path(__file__).resolve().parents[2]
if os.environ.get("MESSENGER_UPDATE_SCREENSHOTS") == "1":
    SCREENSHOTS = ROOT / "docs" / "screenshots"
else:
    SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


def open_conversation(page, embed_page, site_inbox, operator_a) -> Widget:
    page.goto(embed_page())
    widget = Widget(page)
    widget.open()
    widget.field("name").fill("Anna")
    page.locator("crm-messenger .cm-start").click()
    widget.send("Hello! Do you deliver to Kazan?")
    expect(widget.bubbles("visitor")).to_have_count(1)
    conversation = widget_conversation(site_inbox)
    send_operator_message(conversation, operator_a, "Hello, Anna! Yes, within two days.")
    expect(widget.bubbles("operator")).to_have_count(1)
    widget.send("Great, thank you.")
    expect(widget.bubbles("visitor")).to_have_count(2)
    return widget


@pytest.mark.parametrize(
    ("viewport", "name"),
    [
        ({"width": 1280, "height": 800}, "widget-desktop.png"),
        ({"width": 390, "height": 844}, "widget-phone.png"),
    ],
)
def test_screenshot(browser, site_inbox, embed_page, operator_a, viewport, name):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    try:
        page = context.new_page()
        widget = open_conversation(page, embed_page, site_inbox, operator_a)
        box = widget.panel.bounding_box()
        if viewport["width"] < 480:
            # Phones get the whole screen and no launcher over the composer.
            assert box == {"x": 0, "y": 0, **viewport}
            expect(widget.launcher).to_be_hidden()
        else:
            assert box["width"] < viewport["width"] / 2
            expect(widget.launcher).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        page.screenshot(path=str(path))
        assert path.stat().st_size > 5000
    finally:
        context.close()
