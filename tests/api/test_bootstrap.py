import pytest

from django_crm_messenger.models import Contact, Conversation, Message
from django_crm_messenger.services.messages import send_operator_message

from ..conftest import WidgetClient
from .conftest import start_visitor

pytestmark = pytest.mark.django_db


def test_bootstrap_creates_session(widget, inbox):
    response = widget.bootstrap(inbox, contact={"name": "Анна"}, locale="ru")

    assert response.status_code == 200
    data = response.json()
    assert len(data["widget_session_token"]) >= 43
    assert data["expires_in"] == 2592000
    assert data["conversation"]["status"] == "open"
    assert Conversation.objects.filter(pk=data["conversation"]["id"]).exists()
    assert data["widget"] == {
        "title": "Chat with the shop",
        "greeting": "Hello! How can we help?",
        "color": "#1F6FEB",
        "locale": "ru",
        "fields": {"name": "optional", "email": "optional", "phone": "hidden"},
    }
    assert data["messages"] == []
    assert data["poll_interval_ms"] == 3000
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert response["Cache-Control"] == "no-store"


def test_bootstrap_unsupported_locale_falls_back(widget, inbox):
    response = widget.bootstrap(inbox, locale="de-AT")

    assert response.status_code == 200
    assert response.json()["widget"]["locale"] == "en"


def test_resumed_bootstrap_keeps_conversation(widget, inbox, operator_a):
    visitor = start_visitor(inbox, widget)
    visitor.send("Hi")
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    send_operator_message(conversation, operator_a, "Hello, Anna")

    resumed = widget.bootstrap(inbox, widget_session_token=visitor.token)

    assert resumed.status_code == 200
    data = resumed.json()
    assert data["widget_session_token"] == visitor.token
    assert data["conversation"]["id"] == visitor.conversation_id
    assert [(m["sender"], m["body"]) for m in data["messages"]] == [
        ("visitor", "Hi"),
        ("operator", "Hello, Anna"),
    ]
    assert data["messages"][1]["author_name"] == "Olga"
    assert Conversation.objects.count() == 1
    assert Contact.objects.count() == 1


def test_resumed_bootstrap_history_is_capped(widget, inbox, settings):
    settings.MESSENGER_BOOTSTRAP_HISTORY_LIMIT = 3
    visitor = start_visitor(inbox, widget)
    for number in range(5):
        visitor.send(f"message {number}")

    resumed = widget.bootstrap(inbox, widget_session_token=visitor.token)

    bodies = [m["body"] for m in resumed.json()["messages"]]
    assert bodies == ["message 2", "message 3", "message 4"]


def test_bootstrap_with_foreign_session_starts_new(widget, inbox, inbox_b):
    inbox_b.allowed_sites = ["https://shop.example.com"]
    inbox_b.save()
    visitor = start_visitor(inbox, widget)
    visitor.send("Private question")

    response = widget.bootstrap(inbox_b, widget_session_token=visitor.token)

    assert response.status_code == 200
    data = response.json()
    assert data["widget_session_token"] != visitor.token
    assert data["conversation"]["id"] != visitor.conversation_id
    assert data["messages"] == []


def test_matched_contact_is_unverified_and_private(inbox, operator_a):
    first = start_visitor(inbox, contact={"name": "Anna", "email": "anna@example.org"})
    first.send("My order number is 123")
    conversation = Conversation.objects.get(pk=first.conversation_id)
    send_operator_message(conversation, operator_a, "Your parcel leaves today")

    second = start_visitor(
        inbox, WidgetClient(), contact={"name": "Not Anna", "email": "ANNA@example.org"}
    )

    new_conversation = Conversation.objects.get(pk=second.conversation_id)
    assert new_conversation.contact_id == conversation.contact_id
    assert new_conversation.contact_verified is False
    assert conversation.contact_verified is True
    resumed = second.client.bootstrap(inbox, widget_session_token=second.token)
    assert resumed.json()["messages"] == []
    polled = second.poll(after=0)
    assert polled.json()["messages"] == []
    assert polled.json()["conversation"]["id"] == second.conversation_id


def test_matched_phone_is_unverified(inbox):
    inbox.phone_field = "optional"
    inbox.save()
    first = start_visitor(inbox, contact={"phone": "+7 900 000-00-00"})
    second = start_visitor(inbox, WidgetClient(), contact={"phone": "+7 900 000-00-00"})

    conversation = Conversation.objects.get(pk=second.conversation_id)
    assert conversation.contact_id == Conversation.objects.get(pk=first.conversation_id).contact_id
    assert conversation.contact_verified is False


@pytest.mark.parametrize(
    ("modes", "contact", "errors"),
    [
        ({"email_field": "required"}, {"name": "Anna"}, {"email"}),
        ({"email_field": "required"}, None, {"email"}),
        (
            {"name_field": "required", "phone_field": "required"},
            {"email": "a@b.org"},
            {"name", "phone"},
        ),
        ({"phone_field": "hidden"}, {"phone": "+7 900 000-00-00"}, {"phone"}),
    ],
)
def test_contact_field_modes_enforced(widget, inbox, modes, contact, errors):
    for field, mode in modes.items():
        setattr(inbox, field, mode)
    inbox.save()

    response = widget.bootstrap(inbox, contact=contact)

    assert response.status_code == 400
    assert set(response.json()["contact"]) == errors
    assert Conversation.objects.count() == 0


def test_required_fields_given_are_stored(widget, inbox):
    inbox.email_field = "required"
    inbox.phone_field = "required"
    inbox.save()

    response = widget.bootstrap(
        inbox, contact={"name": "Анна", "email": "anna@example.org", "phone": "(495) 123-45-67"}
    )

    assert response.status_code == 200
    contact = Conversation.objects.get().contact
    assert (contact.name, contact.email, contact.phone) == (
        "Анна",
        "anna@example.org",
        "(495) 123-45-67",
    )


def test_bootstrap_page_and_region_stored(widget, inbox):
    response = widget.bootstrap(
        inbox, region="Казань", page_url="https://shop.example.com/delivery?x=1", locale="ru"
    )

    assert response.status_code == 200
    conversation = Conversation.objects.get()
    assert conversation.region == "Казань"
    assert conversation.page_url == "https://shop.example.com/delivery?x=1"
    assert conversation.locale == "ru"
    inbox.refresh_from_db()
    assert inbox.last_loaded_origin == "https://shop.example.com"
    assert Message.objects.count() == 0
