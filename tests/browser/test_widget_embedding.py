"""Where the snippet sits, its data- attributes, the JS API and the server's refusals."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from django_crm_messenger.embed import embed_snippet
from django_crm_messenger.models import Conversation, Message
from django_crm_messenger.services.messages import send_operator_message

from .conftest import Widget, page_html, wait_for_stored, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_snippet_in_head(page, site_inbox, live_server, external_site):
    snippet = str(embed_snippet(site_inbox, live_server.url))
    url = external_site.add_page("/head", page_html("", head=snippet))
    page.goto(url)
    widget = Widget(page)
    widget.open()
    expect(widget.form).to_be_visible()


def test_script_added_after_load(page, site_inbox, live_server, external_site):
    url = external_site.add_page("/late", page_html(""))
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate(
        """([src, token]) => {
            const script = document.createElement("script");
            script.src = src;
            script.dataset.widgetToken = token;
            document.body.appendChild(script);
        }""",
        [f"{live_server.url}/static/messenger/widget.js", site_inbox.widget_token],
    )
    Widget(page).open()
    expect(Widget(page).form).to_be_visible()


def test_data_open_and_region(page, site_inbox, embed_page):
    page.goto(embed_page(open="true", region="Kazan"))
    widget = Widget(page)
    expect(widget.panel).to_be_visible()
    page.locator("crm-messenger .cm-start").click()
    widget.send("Hi")
    expect(widget.bubbles("visitor")).to_have_text(["Hi"])
    assert widget_conversation(site_inbox).region == "Kazan"


def test_javascript_api(page, site_inbox, embed_page, operator_a):
    page.add_init_script(
        """
        window.__events = [];
        document.addEventListener("DOMContentLoaded", () => {
            const api = window.CrmMessenger;
            ["ready", "opened", "closed", "message:sent", "message:received"].forEach(name =>
                api.on(name, detail =>
                    window.__events.push(detail ? name + ":" + detail.body : name)));
            api.identify({name: "Boris", email: "boris@example.org", phone: "+7 900 000-00-00"});
            api.setRegion("Kazan");
        });
        """
    )
    page.goto(embed_page())
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()
    page.evaluate("window.CrmMessenger.open()")
    expect(widget.panel).to_be_visible()
    # Every field the inbox collects is known already, so no form is shown.
    expect(widget.input).to_be_visible()
    widget.send("Via the API")
    expect(widget.bubbles("visitor")).to_have_text(["Via the API"])

    conversation = widget_conversation(site_inbox)
    # The phone field is hidden in this inbox, so it is never sent.
    assert (conversation.contact.name, conversation.contact.email, conversation.contact.phone) == (
        "Boris",
        "boris@example.org",
        "",
    )
    assert conversation.region == "Kazan"
    send_operator_message(conversation, operator_a, "Hello, Boris")
    expect(widget.bubbles("operator")).to_have_text(["Hello, Boris"])
    page.evaluate("window.CrmMessenger.close()")
    expect(widget.panel).to_be_hidden()
    assert page.evaluate("window.__events") == [
        "ready",
        "opened",
        "message:sent:Via the API",
        "message:received:Hello, Boris",
        "closed",
    ]


def test_disabled_messenger_hides_widget(page, site_inbox, embed_page, settings):
    settings.MESSENGER_ENABLED = False
    page.goto(embed_page(open="true"))
    expect(page.locator("crm-messenger")).to_have_count(0)
    assert page.evaluate("typeof window.CrmMessenger.open") == "function"


def test_unknown_token_hides_widget(page, site_inbox, live_server, external_site):
    # The origin stays allowed by the active inbox, so the browser may read the 404.
    snippet = str(embed_snippet("no-such-token", live_server.url))
    snippet = snippet.replace("></script>", ' data-open="true"></script>')
    page.goto(external_site.add_page("/unknown", page_html(snippet)))
    expect(page.locator("crm-messenger")).to_have_count(0)
    assert page.evaluate("typeof window.CrmMessenger.open") == "function"


def test_storage_failure_falls_back_to_memory(page, site_inbox, embed_page):
    page.add_init_script(
        """Object.defineProperty(window, "localStorage", {
            get() { throw new DOMException("Storage is disabled", "SecurityError"); }
        });"""
    )
    page.goto(embed_page())
    widget = Widget(page)
    widget.open()
    page.locator("crm-messenger .cm-start").click()
    widget.send("No storage here")
    expect(widget.bubbles("visitor")).to_have_text(["No storage here"])


def test_expired_session_bootstraps_again(page, site_inbox, embed_page):
    page.goto(embed_page())
    widget = Widget(page)
    widget.open()
    widget.field("email").fill("anna@example.org")
    page.locator("crm-messenger .cm-start").click()
    widget.send("Before")
    expect(widget.bubbles("visitor")).to_have_text(["Before"])
    first = widget_conversation(site_inbox)

    # Clearing the cache removes every session, so the next request gets a 401.
    cache.clear()
    widget.send("After")
    expect(widget.bubbles("visitor")).to_have_text(["After"])
    second = wait_for_stored({"body": "After"}, 1, page)[0].conversation
    assert second.pk != first.pk
    assert second.contact.email == "anna@example.org"
    assert Message.objects.filter(body="After").count() == 1


def test_retry_after_pauses_polling(page, site_inbox, embed_page):
    site_inbox.name_field = "hidden"
    site_inbox.email_field = "hidden"
    site_inbox.save()
    polls: list[int] = []

    def throttle(route):
        polls.append(1)
        route.fulfill(
            status=429,
            headers={
                "Content-Type": "application/json",
                "Retry-After": "3600",
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": "Retry-After",
            },
            body='{"detail": "Request was throttled."}',
        )

    page.route("**/api/widget/poll/", throttle)
    page.goto(embed_page(open="true"))
    widget = Widget(page)
    expect(widget.input).to_be_visible()
    # Polling starts with the session, which the first message creates.
    widget.send("Hello")
    expect(widget.bubbles("visitor")).to_have_text(["Hello"])
    for _ in range(50):
        if polls:
            break
        page.wait_for_timeout(200)
    # Several poll intervals pass while the widget waits the hour that Retry-After set.
    page.wait_for_timeout(7000)
    assert len(polls) == 1
    assert Conversation.objects.filter(inbox=site_inbox).count() == 1
