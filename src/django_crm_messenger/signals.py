"""Signals a host CRM can connect to.

Each is sent after the transaction that stored the change has committed, so
a receiver may read the rows or hand them to a task queue.
"""

from django.dispatch import Signal

#: Sent when a visitor's first bootstrap creates a conversation.
#: Arguments: ``conversation``.
conversation_created = Signal()

#: Sent when a visitor's message is stored (not for an idempotent repeat).
#: Arguments: ``message``, ``conversation``.
visitor_message_received = Signal()

#: Sent when an operator's reply is stored. Arguments: ``message``, ``conversation``, ``user``.
operator_message_sent = Signal()
