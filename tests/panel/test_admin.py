"""The Django admin lists every model and keeps immutable fields read-only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from django_crm_messenger.models import (
    Contact,
    Conversation,
    Inbox,
    Message,
    ReadMarker,
    RoutingRule,
)

from .factories import make_conversation

pytestmark = pytest.mark.django_db

MODELS = [Inbox, Contact, Conversation, Message, ReadMarker, RoutingRule]


@pytest.fixture
def conversation(inbox, operator_a):
    conversation = make_conversation(inbox, "Anna")
    ReadMarker.objects.create(user=operator_a, conversation=conversation, last_read_message_id=1)
    RoutingRule.objects.create(region="Москва", inbox=inbox)
    return conversation


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_model_has_working_changelist_and_change_form(
    client, admin_user, conversation, model
):
    assert admin.site.is_registered(model)
    client.force_login(admin_user)
    meta = model._meta
    changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model.objects.first()
    change = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_inbox_branch_cannot_be_changed_in_the_admin(client, admin_user, inbox, branch_b):
    client.force_login(admin_user)
    url = reverse("admin:messenger_inbox_change", args=[inbox.pk])
    form = client.get(url)
    assert 'name="branch"' not in form.content.decode()

    response = client.post(
        url,
        {
            "name": "Renamed",
            "branch": branch_b.pk,
            "is_active": "on",
            "widget_color": "#1F6FEB",
            "name_field": "optional",
            "email_field": "optional",
            "phone_field": "hidden",
            "allowed_sites": "[]",
            "routing_rules-TOTAL_FORMS": "0",
            "routing_rules-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    inbox.refresh_from_db()
    assert inbox.name == "Renamed"
    assert inbox.branch_id != branch_b.pk


def test_inbox_branch_is_editable_when_adding(client, admin_user, branch_a):
    client.force_login(admin_user)
    form = client.get(reverse("admin:messenger_inbox_add"))
    assert 'name="branch"' in form.content.decode()


def test_conversation_branch_inbox_and_contact_are_read_only(client, admin_user, conversation):
    client.force_login(admin_user)
    html = client.get(reverse("admin:messenger_conversation_change", args=[conversation.pk]))
    content = html.content.decode()
    for field in ("inbox", "contact", "branch"):
        assert f'name="{field}"' not in content


def test_messages_cannot_be_edited_or_added_in_the_admin(client, admin_user, conversation):
    client.force_login(admin_user)
    message = conversation.messages.first()
    content = client.get(reverse("admin:messenger_message_change", args=[message.pk])).content
    assert b'name="body"' not in content
    assert client.get(reverse("admin:messenger_message_add")).status_code == 403


def test_conversation_page_url_without_scheme_gets_https(rf, admin_user, conversation):
    request = rf.get("/")
    request.user = admin_user
    form_class = admin.site.get_model_admin(Conversation).get_form(request, conversation)

    page_url = form_class.base_fields["page_url"].clean("shop.example.com/cart")

    assert page_url == "https://shop.example.com/cart"
