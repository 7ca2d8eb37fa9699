from types import ModuleType

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .conf import DEFAULT_BRANCH_MODEL


class MessengerConfig(AppConfig):
    name = "django_crm_messenger"
    label = "messenger"
    verbose_name = _("Messenger")
    # Pinned so that a host project's DEFAULT_AUTO_FIELD never generates
    # migrations inside this package.
    default_auto_field = "django.db.models.BigAutoField"

    def __init__(self, app_name: str, app_module: ModuleType | None) -> None:
        super().__init__(app_name, app_module)
        # Migrations refer to settings.MESSENGER_BRANCH_MODEL the way they refer
        # to AUTH_USER_MODEL, so the setting must exist even when a project
        # keeps the default branch model.
        if not hasattr(settings, "MESSENGER_BRANCH_MODEL"):
            settings.MESSENGER_BRANCH_MODEL = DEFAULT_BRANCH_MODEL

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (registers checks and receivers)
