import pytest
from django.urls import reverse

from django_crm_messenger.services.messages import send_visitor_message
from django_crm_messenger.services.visitors import VisitorDetails, start_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(inbox):
    conversation = start_conversation(inbox, VisitorDetails(name="Anna"))
    send_visitor_message(conversation.pk, "Hello")
    return conversation


def test_operator_sees_own_branch_conversation(client, operator_a, conversation):
    client.force_login(operator_a)
    response = client.get(reverse("messenger:conversation-list"))
    assert response.status_code == 200
    assert "Anna" in response.content.decode()


def test_other_branch_operator_gets_404(client, operator_b, conversation):
    client.force_login(operator_b)
    response = client.get(reverse("messenger:conversation-detail", args=[conversation.pk]))
    assert response.status_code == 404
    listing = client.get(reverse("messenger:conversation-list"))
    assert "Anna" not in listing.content.decode()


def test_operator_reply_reaches_widget_poll(client, operator_a, conversation):
    client.force_login(operator_a)
    response = client.post(
        reverse("messenger:conversation-detail", args=[conversation.pk]), {"body": "Да, есть."}
    )
    assert response.status_code == 302
    assert conversation.messages.last().body == "Да, есть."
    assert conversation.messages.last().author_name == "Olga"
