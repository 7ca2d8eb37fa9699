"""Django admin for every messenger model.

Fields that the services fix at creation (an inbox's branch, a conversation's
inbox, branch and contact, everything in a message) are read-only here, so
the admin cannot move data between branches or rewrite a conversation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Contact, Conversation, Inbox, Message, ReadMarker, RoutingRule


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    fields = ["region", "priority", "is_active"]


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Moving an inbox would move its conversations to another branch.
            fields.append("branch")
        return fields


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "branch", "last_seen_at"]
    list_select_related = ["branch"]
    search_fields = ["name", "email", "phone"]
    readonly_fields = ["created_at", "last_seen_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("branch")
        return fields


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["sender", "author_name", "body", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Conversations start from a widget session, which the admin cannot make.
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
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

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["region", "inbox", "priority", "is_active"]
    list_editable = ["priority", "is_active"]
    list_select_related = ["inbox"]
    search_fields = ["region"]


@admin.register(ReadMarker)
class ReadMarkerAdmin(admin.ModelAdmin):
    list_display = ["user", "conversation", "last_read_message_id", "updated_at"]
    list_select_related = ["user", "conversation__contact"]
    readonly_fields = ["user", "conversation", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
