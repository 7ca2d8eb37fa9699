from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import Contact, Conversation, Inbox, Message, RoutingRule
from ...validators import validate_message_body


def display_name(user: Any) -> str:
    name: str = user.get_full_name() or user.get_username()
    return name


class UserSummarySerializer(serializers.Serializer[AbstractBaseUser]):
    id = serializers.IntegerField(source="pk", read_only=True)
    username = serializers.CharField(source="get_username", read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return display_name(user)


class ContactSerializer(serializers.ModelSerializer[Contact]):
    class Meta:
        model = Contact
        fields = ["id", "name", "email", "phone", "created_at", "last_seen_at"]
        read_only_fields = fields


class InboxSerializer(serializers.ModelSerializer[Inbox]):
    branch = serializers.IntegerField(source="branch_id", read_only=True)
    branch_name = serializers.CharField(source="branch.__str__", read_only=True)

    class Meta:
        model = Inbox
        fields = ["id", "name", "branch", "branch_name", "is_active"]
        read_only_fields = fields


class InboxSummarySerializer(serializers.ModelSerializer[Inbox]):
    class Meta:
        model = Inbox
        fields = ["id", "name"]
        read_only_fields = fields


class RoutingRuleSummarySerializer(serializers.ModelSerializer[RoutingRule]):
    class Meta:
        model = RoutingRule
        fields = ["id", "region"]
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer[Conversation]):
    """A conversation as the list and the detail show it, with the caller's unread count."""

    inbox = InboxSummarySerializer(read_only=True)
    branch = serializers.IntegerField(source="branch_id", read_only=True)
    contact = ContactSerializer(read_only=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    unread_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "inbox",
            "branch",
            "contact",
            "contact_verified",
            "status",
            "assignee",
            "region",
            "page_url",
            "locale",
            "last_message_id",
            "last_message_at",
            "last_message_preview",
            "unread_count",
            "created_at",
        ]
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    """One conversation with the routing rule that chose its inbox."""

    routing_rule = RoutingRuleSummarySerializer(read_only=True, allow_null=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "routing_rule"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer[Message]):
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "sender", "body", "author", "author_name", "created_at"]
        read_only_fields = fields


class MessageListQuerySerializer(serializers.Serializer[dict[str, Any]]):
    after = serializers.IntegerField(min_value=0, max_value=2**63 - 1, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=100)


class ReplySerializer(serializers.Serializer[dict[str, Any]]):
    body = serializers.CharField(trim_whitespace=False)
    client_message_id = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True
    )

    def validate_body(self, body: str) -> str:
        validate_message_body(body)
        return body


class AssignSerializer(serializers.Serializer[dict[str, Any]]):
    """``assignee``: a user id, or ``null`` to unassign."""

    assignee = serializers.IntegerField(min_value=1, max_value=2**63 - 1, allow_null=True)

    def validate_assignee(self, value: int | None) -> Any:
        if value is None:
            return None
        user = get_user_model()._default_manager.filter(pk=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(_("This user cannot be assigned."))
        return user


class ReadSerializer(serializers.Serializer[dict[str, Any]]):
    """``message_id``: the last message read; the conversation's last message if left out."""

    message_id = serializers.IntegerField(
        min_value=0, max_value=2**63 - 1, required=False, allow_null=True
    )


class ReadResultSerializer(serializers.Serializer[dict[str, Any]]):
    last_read_message_id = serializers.IntegerField()
