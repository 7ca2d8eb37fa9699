"""The whole visitor's chat in a real browser: pre-chat form, send, reply, reload."""

import pytest
from playwright.sync_api import expect

from django_crm_messenger.models import Contact, Message
from django_crm_messenger.services.messages import send_operator_message

from .conftest import TIME_RE, Widget, rgb, wait_for_stored, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chat_from_prechat_form_to_reload(page, site_inbox, embed_page, operator_a):
    site_inbox.email_field = "required"
    site_inbox.name_field = "optional"
    site_inbox.widget_color = "#FFD23F"
    site_inbox.save()
    page.goto(embed_page())
    widget = Widget(page)

    widget.open()
    expect(widget.form).to_be_visible()
    expect(widget.field("email")).to_be_visible()
    expect(widget.field("phone")).to_have_count(0)
    expect(widget.input).to_be_hidden()

    # Inline validation: the required e-mail, then its format.
    page.locator("crm-messenger .cm-start").click()
    expect(widget.field_error("email")).to_have_text("Fill in this field.")
    expect(widget.field("email")).to_have_attribute("aria-invalid", "true")
    expect(widget.field("email")).to_be_focused()
    widget.field("email").fill("anna@")
    page.locator("crm-messenger .cm-start").click()
    expect(widget.field_error("email")).to_contain_text("valid e-mail")
    assert Contact.objects.count() == 0

    widget.field("email").fill("anna@example.org")
    page.locator("crm-messenger .cm-start").click()
    expect(widget.input).to_be_visible()
    expect(widget.input).to_be_focused()
    expect(widget.title).to_have_text("Chat with the shop")
    expect(widget.panel).to_contain_text("Hello! How can we help?")

    # A light inbox colour gets dark text on the launcher and the header.
    launcher_style = widget.launcher.evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    )
    assert launcher_style == [rgb("#FFD23F"), rgb("#111111")]

    # Enter sends; Shift+Enter adds a line.
    widget.input.fill("Do you deliver")
    widget.input.press("Shift+Enter")
    widget.input.type("to Kazan?")
    widget.input.press("Enter")
    expect(widget.bubbles("visitor")).to_have_text(["Do you deliver\nto Kazan?"])
    expect(widget.input).to_have_value("")

    conversation = widget_conversation(site_inbox)
    assert conversation.contact.email == "anna@example.org"
    stored = wait_for_stored({"conversation": conversation}, 1, page)
    assert stored[0].body == "Do you deliver\nto Kazan?"

    send_operator_message(conversation, operator_a, "Yes, in two days.")
    send_operator_message(conversation, operator_a, "Delivery is free.")
    expect(widget.bubbles("operator")).to_have_text(["Yes, in two days.", "Delivery is free."])
    # Consecutive operator messages form one group under one name.
    expect(page.locator("crm-messenger .cm-from-operator .cm-who")).to_have_text(["Olga"])
    expect(page.locator("crm-messenger .cm-time").first).to_have_text(TIME_RE)
    expect(widget.live).to_contain_text("New message from Olga: Delivery is free.")

    page.reload()
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()
    # The panel stays open across page loads and the history comes back.
    expect(widget.panel).to_be_visible()
    expect(widget.bubbles()).to_have_text(
        ["Do you deliver\nto Kazan?", "Yes, in two days.", "Delivery is free."]
    )
    expect(widget.form).to_be_hidden()
    assert Message.objects.filter(conversation=conversation).count() == 3
    assert Contact.objects.count() == 1


def test_unread_badge_while_closed(page, site_inbox, embed_page, operator_a):
    page.goto(embed_page())
    widget = Widget(page)
    widget.open()
    page.locator("crm-messenger .cm-start").click()
    widget.send("Hello")
    expect(widget.bubbles("visitor")).to_have_text(["Hello"])
    widget.close_button.click()
    expect(widget.panel).to_be_hidden()

    conversation = widget_conversation(site_inbox)
    send_operator_message(conversation, operator_a, "Hi!")
    send_operator_message(conversation, operator_a, "Anything else?")
    expect(widget.badge).to_have_text("2")
    expect(widget.launcher).to_have_attribute("aria-label", "Open chat, 2 unread")

    # Another page of the same site keeps the session and the unread count.
    page.goto(embed_page("/catalogue"))
    widget = Widget(page)
    expect(widget.badge).to_have_text("2")
    widget.open()
    expect(widget.badge).to_be_hidden()
    expect(widget.bubbles()).to_have_text(["Hello", "Hi!", "Anything else?"])


def test_page_language_picks_russian(page, site_inbox, embed_page):
    page.goto(embed_page(lang="ru-RU"))
    widget = Widget(page)
    expect(widget.launcher).to_have_attribute("aria-label", "Открыть чат")
    widget.open()
    expect(page.locator("crm-messenger .cm-start")).to_have_text("Начать чат")
    page.locator("crm-messenger .cm-start").click()
    expect(widget.send_button).to_have_text("Отправить")
    expect(widget.input).to_have_attribute("placeholder", "Напишите сообщение…")


def test_data_locale_beats_page_language(page, site_inbox, embed_page):
    page.goto(embed_page(lang="ru", locale="en"))
    widget = Widget(page)
    expect(widget.launcher).to_have_attribute("aria-label", "Open chat")


def test_inbox_language_beats_page_language(page, site_inbox, embed_page):
    site_inbox.widget_locale = "ru"
    site_inbox.save()
    site_inbox.email_field = "hidden"
    site_inbox.name_field = "hidden"
    site_inbox.save()
    page.goto(embed_page(lang="en"))
    widget = Widget(page)
    widget.open()
    expect(widget.send_button).to_have_text("Отправить")
    expect(widget.close_button).to_have_attribute("aria-label", "Закрыть чат")


def test_rejected_message_returns_to_composer(page, site_inbox, embed_page):
    site_inbox.name_field = "hidden"
    site_inbox.email_field = "hidden"
    site_inbox.save()
    page.goto(embed_page(open="true"))
    widget = Widget(page)
    expect(widget.input).to_be_visible()
    too_long = "x" * 4001

    widget.input.fill(too_long)
    widget.input.press("Enter")
    error = page.locator("crm-messenger .cm-error")
    expect(error).to_contain_text("4001")
    expect(widget.input).to_have_value(too_long)
    expect(widget.pending()).to_have_count(0)
    assert not Message.objects.exists()

    widget.input.fill("Shorter")
    widget.input.press("Enter")
    expect(error).to_be_hidden()
    expect(widget.bubbles("visitor")).to_have_text(["Shorter"])
