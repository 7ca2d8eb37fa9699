from django.contrib import admin

from .models import Contact, Conversation, Inbox, Message, ReadMarker, RoutingRule


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["widget_token", "token_regenerated_at", "last_loaded_at", "last_loaded_origin"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("branch")
        return fields


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "branch", "created_at"]
    search_fields = ["name", "email", "phone"]
    readonly_fields = ["branch"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["sender", "author_name", "body", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "contact", "inbox", "branch", "status", "assignee", "last_message_at"]
    list_filter = ["status"]
    list_select_related = ["contact", "inbox", "branch", "assignee"]
    readonly_fields = ["inbox", "branch", "contact", "routing_rule", "last_message_at"]
    raw_id_fields = ["assignee"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "sender", "author_name", "created_at"]
    list_filter = ["sender"]
    readonly_fields = ["conversation", "sender", "author", "client_message_id"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["region", "inbox", "priority", "is_active"]
    list_editable = ["priority", "is_active"]


admin.site.register(ReadMarker)
