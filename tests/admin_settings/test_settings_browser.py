"""An admin sets up an inbox in a real browser and a visitor chats through the copied embed code."""

import json

import pytest

from django_crm_messenger.models import Conversation, Inbox, Message
from django_crm_messenger.services.messages import send_operator_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 15000


def log_in(page, base_url: str, username: str, password: str = "password-123") -> None:
    page.goto(f"{base_url}/login/?next=/settings/messenger/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/settings/messenger/")


def poll_with(page, api_url: str, widget_token: str) -> dict:
    """Call the poll endpoint from the page, as the widget would, and return status and body."""
    return page.evaluate(
        """async ([url, token]) => {
            const response = await fetch(url, {
                method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({
                    widget_token: token,
                    widget_session_token: "x".repeat(43),
                    after: 0,
                }),
            });
            return {status: response.status, body: await response.json()};
        }""",
        [api_url, widget_token],
    )


def test_admin_sets_up_widget_and_visitor_chats(
    browser, live_server, external_site, admin_user, branch_a
):
    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    admin.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    visitor = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = admin.new_page()
        log_in(page, live_server.url, admin_user.username)

        # Create the inbox.
        page.click("[data-testid=create-inbox]")
        page.fill("#id_name", "Website")
        page.select_option("#id_branch", label="Branch A")
        assert page.is_checked("#id_is_active")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/settings/messenger/inboxes/*/")
        inbox = Inbox.objects.get(name="Website")
        assert inbox.branch_id == branch_a.pk
        old_token = inbox.widget_token

        # Style it and allow the external site.
        page.fill("#id_widget_title", "Chat with Website")
        page.fill("#id_widget_color", "#0a7f3f")
        page.select_option("#id_name_field", "hidden")
        page.select_option("#id_email_field", "hidden")
        page.fill("#id_allowed_sites", f"{external_site.origin}/\n")
        page.click("form.messenger-form button[type=submit]")
        page.wait_for_selector("text=The inbox settings were saved.")
        inbox.refresh_from_db()
        assert inbox.widget_title == "Chat with Website"
        assert inbox.widget_color == "#0A7F3F"
        assert inbox.allowed_sites == [external_site.origin]

        # Copy the embed code with the button and compare it with the page.
        page.click(f"button[data-copy-target=embed-{inbox.pk}]")
        page.wait_for_selector(f"button[data-copy-target=embed-{inbox.pk}].messenger-copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        displayed = page.input_value(f"#embed-{inbox.pk}")
        assert copied == displayed
        assert f'data-widget-token="{old_token}"' in copied
        assert f"{live_server.url}/static/messenger/widget.js" in copied

        # A visitor on the external site chats through the copied code.
        shop_url = external_site.add_page(
            "/shop/",
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Shop</title></head>"
            f"<body><h1>Shop</h1>{copied}</body></html>",
        )
        shop = visitor.new_page()
        shop.goto(shop_url)
        shop.wait_for_selector("crm-messenger .cm-launcher", state="visible", timeout=WAIT_MS)

        # The widget learns its title and colour from bootstrap, when it opens.
        shop.click("crm-messenger .cm-launcher")
        shop.wait_for_selector("crm-messenger .cm-input", state="visible", timeout=WAIT_MS)
        shop.wait_for_selector(
            "crm-messenger .cm-title:text-is('Chat with Website')", timeout=WAIT_MS
        )
        accent = shop.evaluate(
            "getComputedStyle(document.querySelector('crm-messenger')).getPropertyValue('--cm-accent')"
        )
        assert accent.strip().upper() == "#0A7F3F"
        shop.fill("crm-messenger .cm-input", "Do you deliver to Kazan?")
        shop.press("crm-messenger .cm-input", "Enter")
        shop.wait_for_function(
            "() => Array.from(document.querySelector('crm-messenger').shadowRoot"
            ".querySelectorAll('.cm-bubble')).some((b) => b.dataset.id > 0)",
            timeout=WAIT_MS,
        )
        conversation = Conversation.objects.get(inbox=inbox)
        assert Message.objects.filter(
            conversation=conversation, body="Do you deliver to Kazan?"
        ).exists()
        inbox.refresh_from_db()
        assert inbox.last_loaded_origin == external_site.origin

        send_operator_message(conversation, admin_user, "Yes, in two days.")
        shop.wait_for_selector("crm-messenger .cm-text:text('Yes, in two days.')", timeout=WAIT_MS)

        # Regenerate the token behind the confirmation step.
        page.click("text=Regenerate token")
        page.wait_for_url(
            f"{live_server.url}/settings/messenger/inboxes/{inbox.pk}/regenerate-token/"
        )
        inbox.refresh_from_db()
        assert inbox.widget_token == old_token
        page.click("[data-testid=confirm-regenerate]")
        page.wait_for_selector("text=Every open chat of this inbox has ended")
        inbox.refresh_from_db()
        assert inbox.widget_token != old_token
        assert page.input_value(f"#token-{inbox.pk}") == inbox.widget_token

        # The old page gets no further replies: the widget's next poll gets 404,
        # so it tells the visitor the chat is gone, and the API's body says why.
        send_operator_message(conversation, admin_user, "Are you still there?")
        shop.wait_for_selector("crm-messenger .cm-notice", state="visible", timeout=WAIT_MS)
        assert shop.locator("crm-messenger .cm-text:text('Are you still there?')").count() == 0
        answer = poll_with(shop, f"{live_server.url}/api/widget/poll/", old_token)
        assert answer["status"] == 404
        assert answer["body"]["detail"] == "This chat widget does not exist or is switched off."
        assert "Are you still there?" not in json.dumps(answer)

        # Diagnostics show where the widget was last loaded from.
        page.goto(f"{live_server.url}/settings/messenger/health/")
        assert page.text_content("[data-testid=health-enabled]").strip() == "On"
        assert page.text_content("[data-testid=health-active-inboxes]").strip() == "1"
        assert external_site.origin in page.content()
    finally:
        admin.close()
        visitor.close()


def test_operator_cannot_open_settings(browser, live_server, operator_a):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/?next=/settings/messenger/")
        page.fill("#id_username", operator_a.username)
        page.fill("#id_password", "password-123")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/settings/messenger/")

        for path in (
            "/settings/messenger/",
            "/settings/messenger/routing/",
            "/settings/messenger/health/",
        ):
            assert page.goto(f"{live_server.url}{path}").status == 403, path
    finally:
        context.close()
