"""The product's main path: a visitor on a customer's website talks to an operator in the CRM."""

import pytest
from playwright.sync_api import expect

from django_crm_messenger.models import Message

from .conftest import Widget, wait_for_stored, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_and_operator_talk(browser, page, site_inbox, embed_page, live_server, operator_a):
    # The visitor, on the shop's own origin (localhost), opens the chat and writes.
    page.goto(embed_page())
    widget = Widget(page)
    widget.open()
    page.locator("crm-messenger #cm-field-name").fill("Anna")
    page.locator("crm-messenger .cm-start").click()
    widget.send("Is delivery to Kazan possible?")
    expect(widget.bubbles("visitor")).to_have_text(["Is delivery to Kazan possible?"])
    conversation = widget_conversation(site_inbox)
    wait_for_stored({"conversation": conversation}, 1, page)

    # The operator logs in to the CRM (127.0.0.1) and answers from the panel.
    operator_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        panel = operator_context.new_page()
        panel.goto(f"{live_server.url}/login/?next=/messenger/conversations/")
        panel.locator("input[name=username]").fill("operator_a")
        panel.locator("input[name=password]").fill("password-123")
        panel.locator("button[type=submit]").click()
        panel.wait_for_url(f"{live_server.url}/messenger/conversations/")

        link = panel.locator(f"a[href$='/messenger/conversations/{conversation.pk}/']").first
        expect(link).to_be_visible()
        link.click()
        panel.wait_for_url(f"**/messenger/conversations/{conversation.pk}/")
        expect(panel.locator("body")).to_contain_text("Is delivery to Kazan possible?")

        reply_form = panel.locator("form:has(textarea[name=body])")
        reply_form.locator("textarea[name=body]").fill("Yes, in two days.")
        reply_form.locator("button[type=submit]").click()
        expect(panel.locator("body")).to_contain_text("Yes, in two days.")
    finally:
        operator_context.close()

    # The reply reaches the widget on the shop's page.
    expect(widget.bubbles("operator")).to_have_text(["Yes, in two days."])
    expect(page.locator("crm-messenger .cm-from-operator .cm-who")).to_have_text(["Olga"])
    bodies = list(Message.objects.filter(conversation=conversation).values_list("sender", "body"))
    assert bodies == [
        ("visitor", "Is delivery to Kazan possible?"),
        ("operator", "Yes, in two days."),
    ]
