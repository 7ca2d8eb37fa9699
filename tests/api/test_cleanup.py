from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from django_crm_messenger.models import Contact, Conversation
from django_crm_messenger.selectors.conversations import visible_conversations

from .conftest import start_visitor

pytestmark = pytest.mark.django_db


def age(conversation_id, days):
    Conversation.objects.filter(pk=conversation_id).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_empty_conversations_stay_out_of_lists(inbox, admin_user):
    empty = start_visitor(inbox)
    chatting = start_visitor(inbox)
    chatting.send("Hello")

    listed = list(visible_conversations(admin_user).values_list("pk", flat=True))

    assert listed == [chatting.conversation_id]
    assert empty.conversation_id not in listed


def test_cleanup_removes_stale_empty_conversations(inbox):
    stale = start_visitor(inbox)
    recent = start_visitor(inbox)
    old_chat = start_visitor(inbox)
    old_chat.send("Hello")
    matched = start_visitor(inbox, contact={"email": "anna@example.org"})
    matched.send("Hi")
    stale_matched = start_visitor(inbox, contact={"email": "anna@example.org"})
    for visitor in (stale, old_chat, stale_matched):
        age(visitor.conversation_id, 8)
    stale_contact = Conversation.objects.get(pk=stale.conversation_id).contact_id

    output = StringIO()
    call_command("messenger_cleanup", stdout=output)

    remaining = set(Conversation.objects.values_list("pk", flat=True))
    assert remaining == {recent.conversation_id, old_chat.conversation_id, matched.conversation_id}
    assert not Contact.objects.filter(pk=stale_contact).exists()
    # A contact that still has another conversation is kept.
    assert Contact.objects.filter(email="anna@example.org").exists()
    assert "Deleted 2 empty conversations and 1 contacts" in output.getvalue()
    assert stale.poll().status_code == 401


def test_cleanup_dry_run_and_max_age(inbox):
    visitor = start_visitor(inbox)
    age(visitor.conversation_id, 2)

    output = StringIO()
    call_command("messenger_cleanup", "--dry-run", "--max-age", "86400", stdout=output)
    assert "1 empty conversations would be deleted" in output.getvalue()
    assert Conversation.objects.count() == 1

    call_command("messenger_cleanup", "--max-age", "86400", stdout=StringIO())
    assert Conversation.objects.count() == 0


def test_cleanup_keeps_conversation_with_operator_message(inbox, operator_a):
    from django_crm_messenger.services.messages import send_operator_message

    visitor = start_visitor(inbox)
    send_operator_message(Conversation.objects.get(pk=visitor.conversation_id), operator_a, "Hi")
    age(visitor.conversation_id, 30)

    call_command("messenger_cleanup", stdout=StringIO())

    assert Conversation.objects.filter(pk=visitor.conversation_id).exists()
