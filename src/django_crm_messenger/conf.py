"""Package settings, read from ``django.conf.settings`` on every access.

Each setting is a property, so ``override_settings`` works without any cache
to clear. The configuration reference in ``docs/configuration.md`` lists the
same names and defaults.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

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

    @property
    def ENABLED(self) -> bool:
        return bool(self._get("ENABLED", False))

    @property
    def BRANCH_MODEL(self) -> str:
        return str(self._get("BRANCH_MODEL", DEFAULT_BRANCH_MODEL))

    @property
    def VISIBLE_BRANCHES(self) -> str:
        """Dotted path of the function that returns the branches a user may see."""
        return str(
            self._get("VISIBLE_BRANCHES", "django_crm_messenger.branches.default_visible_branches")
        )

    @property
    def USER_BRANCH_ATTRIBUTE(self) -> str:
        """Attribute of the user that names their branch, read by the default hook."""
        return str(self._get("USER_BRANCH_ATTRIBUTE", "branch"))

    @property
    def CACHE_ALIAS(self) -> str:
        return str(self._get("CACHE_ALIAS", "default"))

    @property
    def SESSION_TTL(self) -> int:
        """Lifetime of a visitor's widget session in seconds, refreshed on use."""
        return int(self._get("SESSION_TTL", 30 * 24 * 3600))

    @property
    def POLL_INTERVAL_MS(self) -> int:
        return int(self._get("POLL_INTERVAL_MS", 3000))

    @property
    def MAX_MESSAGE_LENGTH(self) -> int:
        return int(self._get("MAX_MESSAGE_LENGTH", 4000))

    @property
    def MAX_REQUEST_BYTES(self) -> int:
        return int(self._get("MAX_REQUEST_BYTES", 32 * 1024))

    @property
    def POLL_PAGE_SIZE(self) -> int:
        return int(self._get("POLL_PAGE_SIZE", 100))

    @property
    def THROTTLE_RATES(self) -> dict[str, str]:
        rates = dict(DEFAULT_THROTTLE_RATES)
        rates.update(self._get("THROTTLE_RATES", {}) or {})
        return rates

    @property
    def TRUSTED_PROXY_COUNT(self) -> int:
        """Reverse proxies in front of the CRM whose ``X-Forwarded-For`` entry is trusted."""
        return int(self._get("TRUSTED_PROXY_COUNT", 0))

    @property
    def PUBLIC_BASE_URL(self) -> str:
        """Absolute URL of the CRM used in embed snippets; empty means the request's host."""
        return str(self._get("PUBLIC_BASE_URL", "")).rstrip("/")

    @property
    def CRM_ORIGINS(self) -> list[str]:
        """Origins of the CRM itself, always allowed to call the widget API."""
        return list(self._get("CRM_ORIGINS", []))

    @property
    def BASE_TEMPLATE(self) -> str:
        """Template that the panel and settings pages extend."""
        return str(self._get("BASE_TEMPLATE", "messenger/base.html"))

    @property
    def EMPTY_CONVERSATION_MAX_AGE(self) -> int:
        """Age in seconds after which a conversation without visitor messages is deleted."""
        return int(self._get("EMPTY_CONVERSATION_MAX_AGE", 7 * 24 * 3600))

    @property
    def BOOTSTRAP_HISTORY_LIMIT(self) -> int:
        """Maximum number of a conversation's latest messages that a resumed bootstrap returns."""
        return int(self._get("BOOTSTRAP_HISTORY_LIMIT", 500))

    @property
    def PANEL_PAGE_SIZE(self) -> int:
        """Conversations per page in the operator panel and the operator API."""
        return int(self._get("PANEL_PAGE_SIZE", 50))

    @property
    def PANEL_POLL_INTERVAL_MS(self) -> int:
        """How often an open operator panel asks for changes, in milliseconds."""
        return int(self._get("PANEL_POLL_INTERVAL_MS", 4000))


messenger_settings = MessengerSettings()
