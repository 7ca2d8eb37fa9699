"""The widget before a session (config only) and after its inbox's token is regenerated."""

import pytest
from playwright.sync_api import expect

from django_crm_messenger.models import Conversation
from django_crm_messenger.services.inboxes import regenerate_widget_token
from django_crm_messenger.services.messages import send_operator_message

from .conftest import Widget, rgb, wait_for_stored, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def api_calls(page) -> list[str]:
    """Record the endpoint of every widget API request the page makes from now on."""
    calls: list[str] = []
    page.on(
        "request",
        lambda request: (
            calls.append(request.url.rstrip("/").rsplit("/", 1)[-1])
            if "/api/widget/" in request.url and request.method == "POST"
            else None
        ),
    )
    return calls


def test_launcher_has_inbox_colour_before_any_click(page, site_inbox, embed_page):
    site_inbox.widget_color = "#AA3300"
    site_inbox.save()
    calls = api_calls(page)

    page.goto(embed_page())
    widget = Widget(page)

    expect(widget.launcher).to_have_css("background-color", rgb("#AA3300"))
    assert calls == ["config"]
    assert Conversation.objects.count() == 0


def test_open_and_close_creates_nothing(page, site_inbox, embed_page):
    site_inbox.email_field = "required"
    site_inbox.save()
    calls = api_calls(page)
    page.goto(embed_page())
    widget = Widget(page)

    widget.open()
    expect(widget.form).to_be_visible()
    expect(widget.title).to_have_text("Chat with the shop")
    expect(widget.panel).to_contain_text("Hello! How can we help?")
    widget.close_button.click()
    expect(widget.panel).to_be_hidden()
    page.reload()
    Widget(page).open()
    expect(Widget(page).form).to_be_visible()

    assert Conversation.objects.count() == 0
    assert "bootstrap" not in calls


def test_composer_without_prechat_fields_sends_first_message(page, site_inbox, embed_page):
    site_inbox.name_field = "hidden"
    site_inbox.email_field = "hidden"
    site_inbox.save()
    page.goto(embed_page())
    widget = Widget(page)

    widget.open()
    expect(widget.input).to_be_visible()
    assert Conversation.objects.count() == 0

    widget.send("First words")
    expect(widget.bubbles("visitor")).to_have_text(["First words"])
    assert Conversation.objects.count() == 1
    assert widget_conversation(site_inbox).messages.get().body == "First words"


def test_long_page_url_is_trimmed(page, site_inbox, embed_page):
    site_inbox.name_field = "hidden"
    site_inbox.email_field = "hidden"
    site_inbox.save()
    url = embed_page("/long") + "?q=" + "a" * 1200

    page.goto(url)
    widget = Widget(page)
    widget.open()
    widget.send("From a long address")
    expect(widget.bubbles("visitor")).to_have_text(["From a long address"])

    conversation = widget_conversation(site_inbox)
    assert conversation.page_url == url[:1000]


def test_regenerated_token_shows_notice_and_stops(page, site_inbox, embed_page, operator_a):
    site_inbox.name_field = "hidden"
    site_inbox.email_field = "hidden"
    site_inbox.save()
    page.goto(embed_page(lang="ru"))
    widget = Widget(page)
    widget.open()
    widget.send("Здравствуйте")
    expect(widget.bubbles("visitor")).to_have_text(["Здравствуйте"])
    conversation = widget_conversation(site_inbox)

    regenerate_widget_token(site_inbox)
    notice = page.locator("crm-messenger .cm-notice")
    expect(notice).to_have_text("Этот чат больше недоступен на этой странице.")
    expect(widget.input).to_be_hidden()
    expect(widget.launcher).to_be_visible()

    calls = api_calls(page)
    send_operator_message(conversation, operator_a, "A reply nobody should see")
    wait_for_stored({"body": "A reply nobody should see"}, 1, page)
    # Several poll intervals pass without a request or the reply.
    page.wait_for_timeout(7000)
    assert calls == []
    expect(widget.bubbles("operator")).to_have_count(0)

    # The visitor can close and reopen the chat to read the notice again.
    widget.close_button.click()
    widget.open()
    expect(notice).to_be_visible()
    expect(widget.form).to_be_hidden()
    assert calls == []


def test_regenerated_token_english_notice(page, site_inbox, embed_page):
    site_inbox.name_field = "hidden"
    site_inbox.email_field = "hidden"
    site_inbox.save()
    page.goto(embed_page())
    widget = Widget(page)
    widget.open()
    widget.send("Hello")
    expect(widget.bubbles("visitor")).to_have_text(["Hello"])

    regenerate_widget_token(site_inbox)

    expect(page.locator("crm-messenger .cm-notice")).to_have_text(
        "This chat is no longer available on this page."
    )


def test_unknown_token_stays_hidden_and_warns_once(page, site_inbox, embed_page):
    warnings: list[str] = []
    page.on(
        "console",
        lambda message: warnings.append(message.text) if message.type == "warning" else None,
    )
    old_token = site_inbox.widget_token
    regenerate_widget_token(site_inbox)
    site_inbox.widget_token = old_token  # the page below carries the old embed code

    page.goto(embed_page(open="true"))

    expect(page.locator("crm-messenger")).to_have_count(0)
    page.wait_for_timeout(500)
    assert len([text for text in warnings if "CrmMessenger" in text]) == 1
