import pytest
from django.core.exceptions import ValidationError

from django_crm_messenger.models import Conversation, Inbox
from django_crm_messenger.services.visitors import VisitorDetails, start_conversation

pytestmark = pytest.mark.django_db


def test_inbox_token_generated_and_unique(branch_a):
    first = Inbox.objects.create(name="One", branch=branch_a)
    second = Inbox.objects.create(name="Two", branch=branch_a)
    assert len(first.widget_token) >= 40
    assert first.widget_token != second.widget_token


def test_inbox_branch_change_clean_raises(inbox, branch_b):
    inbox.branch = branch_b
    with pytest.raises(ValidationError) as error:
        inbox.full_clean()
    assert "branch" in error.value.message_dict


def test_inbox_branch_change_save_raises(inbox, branch_a, branch_b):
    inbox.branch = branch_b
    with pytest.raises(ValidationError):
        inbox.save()
    inbox.refresh_from_db()
    assert inbox.branch_id == branch_a.pk


def test_inbox_branch_queryset_update_raises(inbox, branch_a, branch_b):
    with pytest.raises(ValidationError):
        Inbox.objects.filter(pk=inbox.pk).update(branch=branch_b)
    with pytest.raises(ValidationError):
        Inbox.objects.filter(pk=inbox.pk).update(branch_id=branch_b.pk)
    inbox.branch = branch_b
    with pytest.raises(ValidationError):
        Inbox.objects.bulk_update([inbox], ["branch"])
    assert Inbox.objects.get(pk=inbox.pk).branch_id == branch_a.pk


def test_inbox_other_fields_editable(inbox):
    inbox.name = "Renamed"
    inbox.full_clean()
    inbox.save()
    assert Inbox.objects.get(pk=inbox.pk).name == "Renamed"


def test_bulk_update_takes_field_name_generator(inbox):
    inbox.name = "Renamed"

    Inbox.objects.bulk_update([inbox], (name for name in ["name"]))

    assert Inbox.objects.get(pk=inbox.pk).name == "Renamed"


def test_conversation_branch_copied_from_inbox(inbox, branch_a, branch_b):
    conversation = start_conversation(inbox, VisitorDetails(name="Anna"))
    assert conversation.branch_id == branch_a.pk

    conversation.branch_id = branch_b.pk
    with pytest.raises(ValidationError):
        conversation.save()
    assert Conversation.objects.get(pk=conversation.pk).branch_id == branch_a.pk


def test_conversation_inbox_immutable(inbox, inbox_b):
    conversation = start_conversation(inbox, VisitorDetails())
    conversation.inbox = inbox_b
    with pytest.raises(ValidationError):
        conversation.save()
    with pytest.raises(ValidationError):
        Conversation.objects.filter(pk=conversation.pk).update(inbox=inbox_b)


def test_conversation_branch_ignores_explicit_value(inbox, branch_b):
    from django_crm_messenger.models import Contact

    contact = Contact.objects.create(branch=inbox.branch)
    conversation = Conversation(inbox=inbox, contact=contact, branch=branch_b)
    conversation.save()
    assert conversation.branch_id == inbox.branch_id


def test_contact_email_match_uses_index(branch_a):
    from django.db import connection

    from django_crm_messenger.models import Contact

    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN output is PostgreSQL's")
    Contact.objects.create(branch=branch_a, email="Anna@Example.org")
    with connection.cursor() as cursor:
        # With a handful of rows the planner would rightly scan the table;
        # turning that off shows whether the index can serve the lookup.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Contact.objects.filter(branch=branch_a, email__iexact="anna@example.org").explain()
    assert "messenger_contact_email_ci_idx" in plan
