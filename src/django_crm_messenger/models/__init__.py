from .branch import AbstractBranch, Branch
from .contact import Contact
from .conversation import Conversation, ConversationStatus, ReadMarker
from .inbox import FieldMode, Inbox
from .message import Message, SenderType
from .routing import RoutingRule, normalize_region
from .search import ConversationTerm

__all__ = [
    "AbstractBranch",
    "Branch",
    "Contact",
    "Conversation",
    "ConversationStatus",
    "ConversationTerm",
    "FieldMode",
    "Inbox",
    "Message",
    "ReadMarker",
    "RoutingRule",
    "SenderType",
    "normalize_region",
]
