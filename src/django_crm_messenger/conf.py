"""Package settings, read from ``django.conf.settings`` once and then kept.

The widget API reads about a dozen settings on every request, so each value is
kept after its first read. ``override_settings`` and pytest-django's
``settings`` fixture send ``setting_changed``, which makes every value read
again. The configuration reference in ``docs/configuration.md`` lists the
same names and defaults.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULT_BRANCH_MODEL = "messenger.Branch"

DEFAULT_THROTTLE_RATES: dict[str, str] = {
    "bootstrap_ip": "20/min",
    "bootstrap_inbox": "600/min",
    "widget_ip": "120/min",
    "widget_inbox": "6000/min",
    "config_ip": "120/min",
}


class MessengerSettings:
    """Typed accessors for every ``MESSENGER_*`` setting and its default."""

    def _get(self, name: str, default: Any) -> Any:
        return getattr(django_settings, f"MESSENGER_{name}", default)

    def reload(self) -> None:
        """Forget every value read so far, so that the next access reads the settings again."""
        self.__dict__.clear()

    @cached_property
    def ENABLED(self) -> bool:
        return bool(self._get("ENABLED", False))

    @cached_property
    def BRANCH_MODEL(self) -> str:
        return str(self._get("BRANCH_MODEL", DEFAULT_BRANCH_MODEL))

    @cached_property
    def VISIBLE_BRANCHES(self) -> str:
        """Dotted path of the function that returns the branches a user may see."""
        return str(
            self._get("VISIBLE_BRANCHES", "django_crm_messenger.branches.default_visible_branches")
        )

    @cached_property
    def USER_BRANCH_ATTRIBUTE(self) -> str:
        """Attribute of the user that names their branch, read by the default hook."""
        return str(self._get("USER_BRANCH_ATTRIBUTE", "branch"))

    @cached_property
    def CACHE_ALIAS(self) -> str:
        return str(self._get("CACHE_ALIAS", "default"))

    @cached_property
    def SESSION_TTL(self) -> int:
        """Lifetime of a visitor's widget session in seconds, refreshed on use."""
        return int(self._get("SESSION_TTL", 30 * 24 * 3600))

    @cached_property
    def POLL_INTERVAL_MS(self) -> int:
        return int(self._get("POLL_INTERVAL_MS", 3000))

    @cached_property
    def MAX_MESSAGE_LENGTH(self) -> int:
        return int(self._get("MAX_MESSAGE_LENGTH", 4000))

    @cached_property
    def MAX_REQUEST_BYTES(self) -> int:
        return int(self._get("MAX_REQUEST_BYTES", 32 * 1024))

    @cached_property
    def POLL_PAGE_SIZE(self) -> int:
        return int(self._get("POLL_PAGE_SIZE", 100))

    @cached_property
    def THROTTLE_RATES(self) -> dict[str, str]:
        rates = dict(DEFAULT_THROTTLE_RATES)
        rates.update(self._get("THROTTLE_RATES", {}) or {})
        return rates

    @cached_property
    def TRUSTED_PROXY_COUNT(self) -> int:
        """Reverse proxies in front of the CRM whose ``X-Forwarded-For`` entry is trusted."""
        return int(self._get("TRUSTED_PROXY_COUNT", 0))

    @cached_property
    def PUBLIC_BASE_URL(self) -> str:
        """Absolute URL of the CRM used in embed snippets; empty means the request's host."""
        return str(self._get("PUBLIC_BASE_URL", "")).rstrip("/")

    @cached_property
    def CRM_ORIGINS(self) -> list[str]:
        """Origins of the CRM itself, always allowed to call the widget API."""
        return list(self._get("CRM_ORIGINS", []))

    @cached_property
    def BASE_TEMPLATE(self) -> str:
        """Template that the panel and settings pages extend."""
        return str(self._get("BASE_TEMPLATE", "messenger/base.html"))

    @cached_property
    def EMPTY_CONVERSATION_MAX_AGE(self) -> int:
        """Age in seconds after which a conversation without visitor messages is deleted."""
        return int(self._get("EMPTY_CONVERSATION_MAX_AGE", 7 * 24 * 3600))

    @cached_property
    def BOOTSTRAP_HISTORY_LIMIT(self) -> int:
        """Maximum number of a conversation's latest messages that a resumed bootstrap returns."""
        return int(self._get("BOOTSTRAP_HISTORY_LIMIT", 500))

    @cached_property
    def PANEL_PAGE_SIZE(self) -> int:
        """Conversations per page in the operator panel and the operator API."""
        return int(self._get("PANEL_PAGE_SIZE", 50))

    @cached_property
    def PANEL_POLL_INTERVAL_MS(self) -> int:
        """How often an open operator panel asks for changes, in milliseconds."""
        return int(self._get("PANEL_POLL_INTERVAL_MS", 4000))


messenger_settings = MessengerSettings()


@receiver(setting_changed, dispatch_uid="messenger_settings_reload")
def reload_messenger_settings(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("MESSENGER_"):
        messenger_settings.reload()
