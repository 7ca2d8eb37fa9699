"""Conversations made the way the widget makes them: through the services."""

from django_crm_messenger.services.messages import send_visitor_message
from django_crm_messenger.services.visitors import VisitorDetails, start_conversation


def make_conversation(inbox, name="Anna", body="Hello", **details):
    conversation = start_conversation(inbox, VisitorDetails(name=name, **details))
    send_visitor_message(conversation.pk, body)
    conversation.refresh_from_db()
    return conversation


def make_conversations(inbox, count, prefix="Visitor"):
    return [
        make_conversation(inbox, f"{prefix} {number}", f"Message {number}")
        for number in range(count)
    ]
