"""Starting a visitor's conversation from the widget."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from .. import signals
from ..models import Contact, Conversation, Inbox
from .routing import route_region
from .search import index_new_conversation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VisitorDetails:
    """Details a visitor gives the widget about themselves at bootstrap."""

    name: str = ""
    email: str = ""
    phone: str = ""
    region: str = ""
    page_url: str = ""
    locale: str = ""


def _find_existing_contact(branch_id: int, email: str, phone: str) -> Contact | None:
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    if phone:
        match |= Q(phone=phone)
    if not match:
        return None
    # The row lock makes an admin edit of the contact wait for this
    # transaction (or this lookup wait for the edit), so the new
    # conversation's search terms come from the contact's current details.
    return (
        Contact.objects.filter(match, branch_id=branch_id)
        .select_for_update()
        .order_by("id")
        .first()
    )


def start_conversation(widget_inbox: Inbox, details: VisitorDetails) -> Conversation:
    """Create the contact and conversation for a new widget session.

    The region picks the inbox through the routing rules. A visitor whose
    e-mail or phone matches a contact of that branch is linked to it for the
    operators' benefit, but the conversation is marked unverified because the
    visitor never proved to own that address. The conversation gets the
    contact's search terms in the same transaction.
    """
    inbox, rule = route_region(details.region, widget_inbox)

    with transaction.atomic():
        contact = _find_existing_contact(inbox.branch_id, details.email, details.phone)
        verified = contact is None
        if contact is None:
            contact = Contact.objects.create(
                branch_id=inbox.branch_id,
                name=details.name,
                email=details.email,
                phone=details.phone,
            )
        conversation = Conversation(
            inbox=inbox,
            contact=contact,
            contact_verified=verified,
            region=details.region,
            page_url=details.page_url,
            locale=details.locale,
            routing_rule=rule,
        )
        conversation.save()
        index_new_conversation(conversation, contact)
        signals.send_after_commit(
            signals.conversation_created, sender=Conversation, conversation=conversation
        )

    logger.info(
        "Conversation %s started in inbox %s (widget inbox %s, rule %s)",
        conversation.pk,
        inbox.pk,
        widget_inbox.pk,
        rule.pk if rule else None,
    )
    return conversation
