"""HTML and script in messages, names and settings stay text in the widget."""

import pytest
from playwright.sync_api import expect

from django_crm_messenger.services.messages import send_operator_message

from .conftest import Widget, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLY = '<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script> & $& done'
NAME = '<img src=x onerror="window.__xss = 3">'
OPERATOR_NAME = '<b onmouseover="window.__xss = 4">Olga</b>'
TITLE = '<svg onload="window.__xss = 5">Shop'


def test_payloads_render_as_text(page, site_inbox, embed_page, operator_a):
    site_inbox.widget_title = TITLE
    site_inbox.widget_greeting = "<i>Hi</i>"
    site_inbox.save()
    operator_a.first_name = OPERATOR_NAME
    operator_a.save()
    page.goto(embed_page())
    widget = Widget(page)

    widget.open()
    widget.field("name").fill(NAME)
    page.locator("crm-messenger .cm-start").click()
    widget.send("<script>window.__xss = 6</script>")
    expect(widget.bubbles("visitor")).to_have_text(["<script>window.__xss = 6</script>"])
    conversation = widget_conversation(site_inbox)
    assert conversation.contact.name == NAME

    send_operator_message(conversation, operator_a, REPLY)
    expect(widget.bubbles("operator")).to_have_text([REPLY])
    expect(widget.title).to_have_text(TITLE)
    expect(widget.panel).to_contain_text("<i>Hi</i>")
    expect(page.locator("crm-messenger .cm-from-operator .cm-who")).to_contain_text([OPERATOR_NAME])
    expect(widget.live).to_contain_text(REPLY)

    widget.bubbles("operator").hover()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None
    injected = page.evaluate(
        "document.querySelector('crm-messenger').shadowRoot"
        ".querySelectorAll('img, script, b, i, svg:not([aria-hidden])').length"
    )
    assert injected == 0
