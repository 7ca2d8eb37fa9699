"""The operator panel: the conversation list, one conversation, its actions and live updates."""

from .detail import ConversationActionView, ConversationDetailView, ConversationLiveView
from .list import ConversationListView
from .updates import UpdatesView

__all__ = [
    "ConversationActionView",
    "ConversationDetailView",
    "ConversationListView",
    "ConversationLiveView",
    "UpdatesView",
]
