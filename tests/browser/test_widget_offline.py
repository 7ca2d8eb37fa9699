"""Network drops: nothing is lost, nothing is stored or shown twice."""

import pytest
from playwright.sync_api import Route, expect

from django_crm_messenger.models import Message
from django_crm_messenger.services.messages import send_operator_message

from .conftest import Widget, wait_for_stored, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def start_chat(page, embed_page) -> Widget:
    page.goto(embed_page())
    widget = Widget(page)
    widget.open()
    page.locator("crm-messenger .cm-start").click()
    widget.send("Hello")
    expect(widget.bubbles("visitor")).to_have_text(["Hello"])
    return widget


def test_offline_send_and_replies(page, site_inbox, embed_page, operator_a):
    widget = start_chat(page, embed_page)
    conversation = widget_conversation(site_inbox)

    page.context.set_offline(True)
    widget.send("Are you there?")
    expect(widget.pending()).to_have_text(["Are you there?Not sent. Retry"])
    expect(page.locator("crm-messenger .cm-status")).to_be_visible()
    replies = ["One moment", "Checking the stock", "Yes, we have it"]
    for reply in replies:
        send_operator_message(conversation, operator_a, reply)
    page.wait_for_timeout(1500)
    expect(widget.bubbles("operator")).to_have_count(0)

    page.context.set_offline(False)
    expect(widget.bubbles("operator")).to_have_text(replies)
    expect(widget.bubbles("visitor")).to_have_text(["Hello", "Are you there?"])
    expect(widget.pending()).to_have_count(0)
    expect(page.locator("crm-messenger .cm-status")).to_be_hidden()

    stored = Message.objects.filter(conversation=conversation, body="Are you there?")
    assert stored.count() == 1
    # A few more polls must not repeat anything.
    page.wait_for_timeout(3500)
    shown = page.locator("crm-messenger .cm-bubble[data-id]").evaluate_all(
        "nodes => nodes.map(node => Number(node.dataset.id))"
    )
    assert shown == sorted(set(shown))
    assert len(shown) == Message.objects.filter(conversation=conversation).count() == 5


def test_lost_send_response_stores_once(page, site_inbox, embed_page):
    widget = start_chat(page, embed_page)
    conversation = widget_conversation(site_inbox)
    attempts: list[str] = []

    def drop_first_answer(route: Route) -> None:
        attempts.append(route.request.post_data_json["client_message_id"])
        response = route.fetch()
        if len(attempts) == 1:
            # The server stored the message but the browser never hears back.
            assert response.status == 201
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.route("**/api/widget/send/", drop_first_answer)
    widget.send("Only once, please")
    expect(widget.pending()).to_contain_text("Not sent.")
    page.locator("crm-messenger .cm-retry").click()
    expect(widget.bubbles("visitor")).to_have_text(["Hello", "Only once, please"])
    expect(widget.pending()).to_have_count(0)

    assert len(attempts) >= 2
    assert len(set(attempts)) == 1
    stored = wait_for_stored({"conversation": conversation, "body": "Only once, please"}, 1, page)
    assert len(stored) == 1
    assert stored[0].client_message_id == attempts[0]
