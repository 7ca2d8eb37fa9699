"""Fixtures for the widget's browser tests.

The CRM runs on pytest-django's live server at 127.0.0.1 and the customer's
website on ``external_site`` at localhost, so every widget request is a real
cross-origin request with CORS and an ``Origin`` header.
"""

import os
import re
import time
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from django_crm_messenger.embed import embed_snippet
from django_crm_messenger.models import Conversation, Inbox, Message

# Read by pytest-django's live_server fixture when --liveserver is not given.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def page_html(snippet: str, *, head: str = "", body: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Shop</title>{head}</head><body><h1>Shop</h1>{body}{snippet}</body></html>"
    )


def snippet_for(inbox: Inbox, live_server: Any, **data: str) -> str:
    """Return the embed snippet, with extra ``data-`` attributes on its script tag."""
    snippet = str(embed_snippet(inbox, live_server.url))
    extra = "".join(f' data-{name.replace("_", "-")}="{value}"' for name, value in data.items())
    return snippet.replace("></script>", f"{extra}></script>")


class Widget:
    """Locators and actions for the widget inside a page's shadow root."""

    def __init__(self, page: Page):
        self.page = page
        self.launcher = page.locator("crm-messenger .cm-launcher")
        self.panel = page.locator("crm-messenger .cm-panel")
        self.title = page.locator("crm-messenger .cm-title")
        self.input = page.locator("crm-messenger .cm-input")
        self.send_button = page.locator("crm-messenger .cm-send")
        self.close_button = page.locator("crm-messenger .cm-close")
        self.badge = page.locator("crm-messenger .cm-badge")
        self.form = page.locator("crm-messenger .cm-form")
        self.log = page.locator("crm-messenger .cm-log")
        self.live = page.locator("crm-messenger [aria-live]")

    def field(self, name: str) -> Locator:
        return self.page.locator(f"crm-messenger #cm-field-{name}")

    def field_error(self, name: str) -> Locator:
        return self.page.locator(f"crm-messenger #cm-field-{name}-error")

    def bubbles(self, sender: str = "") -> Locator:
        scope = f".cm-from-{sender} " if sender else ""
        return self.page.locator(f"crm-messenger {scope}.cm-bubble[data-id] .cm-text")

    def pending(self) -> Locator:
        return self.page.locator("crm-messenger .cm-pending, crm-messenger .cm-failed")

    def open(self) -> None:
        expect(self.launcher).to_be_visible()
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.send_button.click()


@pytest.fixture
def site_inbox(inbox: Inbox, external_site) -> Inbox:
    """The shop inbox, allowed on the test website's localhost origin."""
    inbox.allowed_sites = [external_site.origin]
    inbox.save()
    return inbox


@pytest.fixture
def embed_page(site_inbox: Inbox, live_server, external_site):
    """Return a function that publishes a page carrying the embed code and returns its URL."""

    def publish(
        path: str = "/shop",
        *,
        head: str = "",
        body: str = "",
        lang: str = "en",
        headers: dict[str, str] | None = None,
        **data: str,
    ) -> str:
        snippet = snippet_for(site_inbox, live_server, **data)
        return external_site.add_page(
            path, page_html(snippet, head=head, body=body, lang=lang), headers=headers
        )

    return publish


def widget_conversation(inbox: Inbox) -> Conversation:
    """Return the single conversation in which the visitor has written.

    Submitting a pre-chat form without writing leaves an empty conversation,
    so the filter skips conversations without a visitor message.
    """
    for _ in range(50):
        if Conversation.objects.filter(inbox=inbox, has_visitor_message=True).exists():
            break
        time.sleep(0.1)
    conversations = list(Conversation.objects.filter(inbox=inbox, has_visitor_message=True))
    assert len(conversations) == 1, conversations
    return conversations[0]


def wait_for_stored(conversation_filter: dict[str, Any], count: int, page: Page) -> list[Message]:
    """Poll the database (letting the page run) until ``count`` messages match."""
    for _ in range(100):
        found = list(Message.objects.filter(**conversation_filter).order_by("id"))
        if len(found) >= count:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"expected {count} messages matching {conversation_filter}, got {found}")


def rgb(hex_color: str) -> str:
    value = hex_color.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


TIME_RE = re.compile(r"^\d{1,2}:\d{2}")
