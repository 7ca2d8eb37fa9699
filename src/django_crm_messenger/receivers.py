"""Keep the widget API's cached inbox state in step with the database."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Inbox
from .state import forget_inbox


@receiver(post_save, sender=Inbox, dispatch_uid="messenger_inbox_saved")
@receiver(post_delete, sender=Inbox, dispatch_uid="messenger_inbox_deleted")
def forget_saved_inbox(sender: type[Inbox], instance: Inbox, **kwargs: Any) -> None:
    tokens = (instance.widget_token, getattr(instance, "_loaded_widget_token", None))
    transaction.on_commit(lambda: forget_inbox(*tokens))


# Importing the module connects the panel's change-version receivers.
from .services import conversations as _panel_changes  # noqa: E402, F401
