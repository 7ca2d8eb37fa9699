"""Two operators of one branch and one of another watch the panel while a visitor writes."""

import json
import time
import urllib.request

import pytest
from django.test import Client
from playwright.sync_api import expect

from django_crm_messenger.models import Message, ReadMarker
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 15000


def widget_call(live_server, inbox, endpoint, payload):
    """Call the public widget API over HTTP from one of the inbox's allowed sites."""
    request = urllib.request.Request(
        f"{live_server.url}/api/widget/{endpoint}/",
        data=json.dumps({"widget_token": inbox.widget_token, **payload}).encode(),
        headers={"Content-Type": "application/json", "Origin": inbox.allowed_sites[0]},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def open_panel(browser, live_server, user, path):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    # Survives only as long as the page is not reloaded.
    page.evaluate("window.loadedOnce = true")
    return context, page


def assert_not_reloaded(page):
    assert page.evaluate("window.loadedOnce === true")


@pytest.fixture
def panel_settings(settings):
    settings.MESSENGER_PANEL_POLL_INTERVAL_MS = 300


def test_visitor_message_and_reply_appear_live(
    browser, live_server, panel_settings, django_user_model, inbox, operator_a, operator_b
):
    colleague = make_user(django_user_model, "operator_a2", inbox.branch, first_name="Pavel")
    contexts = []
    try:
        pages = {}
        for name, user in [("a1", operator_a), ("a2", colleague), ("b", operator_b)]:
            context, page = open_panel(browser, live_server, user, "/messenger/conversations/")
            contexts.append(context)
            pages[name] = page

        session = widget_call(
            live_server, inbox, "bootstrap", {"contact": {"name": "Live Visitor"}}
        )["widget_session_token"]
        widget_call(
            live_server,
            inbox,
            "send",
            {
                "widget_session_token": session,
                "body": "Is delivery free?",
                "client_message_id": "live-1",
            },
        )

        for name in ("a1", "a2"):
            row = pages[name].locator(".messenger-conversation", has_text="Live Visitor")
            expect(row).to_be_visible(timeout=WAIT_MS)
            expect(row).to_contain_text("Is delivery free?")
            assert_not_reloaded(pages[name])

        # Several of the other branch's polls have passed by now.
        pages["b"].wait_for_timeout(1500)
        expect(
            pages["b"].locator(".messenger-conversation", has_text="Live Visitor")
        ).to_have_count(0)
        assert "Is delivery free?" not in pages["b"].content()

        # Both operators of branch A open the conversation.
        for name in ("a1", "a2"):
            pages[name].locator(".messenger-conversation a", has_text="Live Visitor").click()
            expect(pages[name].locator(".messenger-message")).to_have_count(1)
            pages[name].evaluate("window.loadedOnce = true")

        # Ctrl+Enter sends from the first operator's reply box.
        reply = pages["a1"].locator("textarea[name=body]")
        reply.fill("Yes, from 3000 roubles.")
        reply.press("Control+Enter")
        expect(pages["a1"].locator(".messenger-from-operator")).to_contain_text(
            "Yes, from 3000 roubles.", timeout=WAIT_MS
        )

        other = pages["a2"].locator(".messenger-from-operator")
        expect(other).to_contain_text("Yes, from 3000 roubles.", timeout=WAIT_MS)
        expect(other).to_contain_text("Olga")
        assert_not_reloaded(pages["a2"])

        # The open page marks the live reply read for the second operator.
        reply_id = Message.objects.get(body="Yes, from 3000 roubles.").pk
        deadline = time.monotonic() + WAIT_MS / 1000
        while time.monotonic() < deadline:
            marker = ReadMarker.objects.filter(user=colleague).first()
            if marker and marker.last_read_message_id == reply_id:
                break
            time.sleep(0.1)
        assert ReadMarker.objects.get(user=colleague).last_read_message_id == reply_id

        # A status change by one operator reaches the other's contact card too.
        pages["a1"].get_by_role("button", name="Resolve").click()
        expect(pages["a2"].locator("[data-field=status]")).to_have_text("Resolved", timeout=WAIT_MS)
        assert_not_reloaded(pages["a2"])
    finally:
        for context in contexts:
            context.close()


def test_conversation_page_fits_a_tablet(browser, live_server, inbox, operator_a):
    from tests.panel.factories import make_conversation

    conversation = make_conversation(inbox, "Tablet Visitor", "x" * 300)
    client = Client()
    client.force_login(operator_a)
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    try:
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        for path in ("/messenger/conversations/", f"/messenger/conversations/{conversation.pk}/"):
            page.goto(f"{live_server.url}{path}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert overflow is False, path
        # Keyboard only: the send button is the next stop after the reply box.
        page.locator("textarea[name=body]").focus()
        page.keyboard.type("Typed on a tablet")
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Send")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(".messenger-from-operator")).to_contain_text("Typed on a tablet")
    finally:
        context.close()
