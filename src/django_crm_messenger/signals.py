"""Signals a host CRM can connect to.

Each is sent once, after the transaction that stored the change has
committed, so a receiver may read the rows or hand them to a task queue. A
receiver that raises does not undo the change or stop the other receivers:
the error is logged (logger ``django_crm_messenger.signals``) and the
request that made the change still succeeds. See docs/signals.md.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

#: Sent when a visitor's first bootstrap creates a conversation.
#: Arguments: ``conversation``.
conversation_created = Signal()

#: Sent when a visitor's message is stored (not for an idempotent repeat).
#: Arguments: ``message``, ``conversation``.
visitor_message_received = Signal()

#: Sent when an operator's reply is stored (not for an idempotent repeat).
#: Arguments: ``message``, ``conversation``, ``user``.
operator_message_sent = Signal()


def send_after_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` once the current transaction commits (at once outside one).

    Receivers run through ``send_robust``, so one failing receiver is logged
    and the others still run.
    """

    def send() -> None:
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "Messenger signal receiver %r failed: %s: %s",
                    receiver,
                    type(result).__name__,
                    result,
                    exc_info=result,
                )

    transaction.on_commit(send)
