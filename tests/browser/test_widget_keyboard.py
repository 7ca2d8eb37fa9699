"""Keyboard-only use: reach, open, fill in, send and close without a pointer."""

import pytest
from playwright.sync_api import expect

from .conftest import Widget, wait_for_stored, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_only_chat(page, site_inbox, embed_page):
    page.goto(embed_page())
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()

    page.keyboard.press("Tab")
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_css("outline-style", "solid")
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")

    # The optional pre-chat form takes the focus once the inbox's settings arrive.
    expect(widget.field("name")).to_be_focused()
    page.keyboard.type("Anna")
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()

    page.keyboard.type("First line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    page.keyboard.press("Enter")
    expect(widget.bubbles("visitor")).to_have_text(["First line\nsecond line"])

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")

    conversation = widget_conversation(site_inbox)
    assert conversation.contact.name == "Anna"
    assert wait_for_stored({"conversation": conversation}, 1, page)[0].body == (
        "First line\nsecond line"
    )


def test_close_button_by_keyboard(page, site_inbox, embed_page):
    site_inbox.name_field = "hidden"
    site_inbox.email_field = "hidden"
    site_inbox.save()
    page.goto(embed_page(open="true"))
    widget = Widget(page)
    expect(widget.panel).to_be_visible()

    widget.close_button.focus()
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
