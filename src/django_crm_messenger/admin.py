"""Django admin for every messenger model.

Fields that the services fix at creation (an inbox's branch, a conversation's
inbox, branch and contact, everything in a message) are read-only here, so
the admin cannot move data between branches or rewrite a conversation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from ._typing import ModelAdmin, TabularInline
from .models import Contact, Conversation, Inbox, Message, ReadMarker, RoutingRule
from .services.search import index_contact, reindex_conversations

SEARCHED_CONTACT_FIELDS = {"name", "email", "phone"}


class RoutingRuleInline(TabularInline[RoutingRule, Inbox]):
    model = RoutingRule
    extra = 0
    fields = ["region", "priority", "is_active"]


@admin.register(Inbox)
class InboxAdmin(ModelAdmin[Inbox]):
    list_display = ["name", "branch", "is_active", "last_loaded_at", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["branch"]
    search_fields = ["name"]
    readonly_fields = [
        "widget_token",
        "token_regenerated_at",
        "last_loaded_at",
        "last_loaded_origin",
        "created_at",
        "updated_at",
    ]
    inlines = [RoutingRuleInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Inbox | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Moving an inbox would move its conversations to another branch.
            fields.append("branch")
        return fields


@admin.register(Contact)
class ContactAdmin(ModelAdmin[Contact]):
    list_display = ["__str__", "email", "phone", "branch", "last_seen_at"]
    list_select_related = ["branch"]
    search_fields = ["name", "email", "phone"]
    readonly_fields = ["created_at", "last_seen_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Contact | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("branch")
        return fields

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The admin saves inside a transaction, so the search terms of the
        # contact's conversations change in the same commit as the details.
        if change and SEARCHED_CONTACT_FIELDS & set(form.changed_data):
            index_contact(obj)


class MessageInline(TabularInline[Message, Conversation]):
    model = Message
    extra = 0
    fields = readonly_fields = ("sender", "author_name", "body", "created_at")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Conversation | None = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ModelAdmin[Conversation]):
    list_display = ["id", "contact", "inbox", "branch", "status", "assignee", "last_message_at"]
    list_filter = ["status", "contact_verified"]
    list_select_related = ["contact", "inbox", "branch", "assignee"]
    search_fields = ["contact__name", "contact__email", "contact__phone"]
    readonly_fields = [
        "inbox",
        "branch",
        "contact",
        "routing_rule",
        "has_visitor_message",
        "last_message_id",
        "last_visitor_message_id",
        "last_message_at",
        "last_message_preview",
        "created_at",
        "updated_at",
    ]
    raw_id_fields = ["assignee"]
    inlines = [MessageInline]
    # A page address typed without a scheme gets https, as from Django 6.0 on;
    # Django 5.2 would assume http and warn that the default is changing.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Conversations start from a widget session, which the admin cannot make.
        return False


@admin.register(Message)
class MessageAdmin(ModelAdmin[Message]):
    list_display = ["id", "conversation", "sender", "author_name", "created_at"]
    list_filter = ["sender"]
    list_select_related = ["conversation__contact"]
    readonly_fields = [
        "conversation",
        "sender",
        "body",
        "author",
        "author_name",
        "client_message_id",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Messages are written by the services, which also update the conversation.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    # A deleted message's words are dropped from its conversation's search terms.
    def delete_model(self, request: HttpRequest, obj: Message) -> None:
        conversation_id = obj.conversation_id
        super().delete_model(request, obj)
        reindex_conversations([conversation_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        # The delete action, unlike the delete view, runs outside a transaction.
        with transaction.atomic():
            conversation_ids = set(queryset.values_list("conversation_id", flat=True))
            super().delete_queryset(request, queryset)
            reindex_conversations(conversation_ids)


@admin.register(RoutingRule)
class RoutingRuleAdmin(ModelAdmin[RoutingRule]):
    list_display = ["region", "inbox", "priority", "is_active"]
    list_editable = ["priority", "is_active"]
    list_select_related = ["inbox"]
    search_fields = ["region"]


@admin.register(ReadMarker)
class ReadMarkerAdmin(ModelAdmin[ReadMarker]):
    list_display = ["user", "conversation", "last_read_message_id", "updated_at"]
    list_select_related = ["user", "conversation__contact"]
    readonly_fields = ["user", "conversation", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
