"""System checks for settings that a deployment commonly gets wrong."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .conf import messenger_settings

PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.models)
def check_branch_model(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from .branches import get_branch_model

    try:
        get_branch_model()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Set MESSENGER_BRANCH_MODEL before the first migrate; it cannot change later.",
                id="messenger.E001",
            )
        ]
    return []


@register()
def check_hooks(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    errors = []
    path = messenger_settings.VISIBLE_BRANCHES
    try:
        hook = import_string(path)
    except ImportError:
        hook = None
    if not callable(hook):
        errors.append(
            Error(
                f"MESSENGER_VISIBLE_BRANCHES is {path!r}, which does not import as a function.",
                hint=(
                    "Point it at a function taking a user and returning a branch queryset or None."
                ),
                id="messenger.E002",
            )
        )
    if messenger_settings.CACHE_ALIAS not in settings.CACHES:
        errors.append(
            Error(
                f"MESSENGER_CACHE_ALIAS is {messenger_settings.CACHE_ALIAS!r}, "
                "which is not a key of CACHES.",
                hint="Set MESSENGER_CACHE_ALIAS to one of: " + ", ".join(settings.CACHES),
                id="messenger.E003",
            )
        )
    return errors


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    alias = messenger_settings.CACHE_ALIAS
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Warning(
            f"The messenger's cache {alias!r} uses {backend}, which each server process "
            "keeps for itself, so widget sessions, rate limits and poll state are not "
            "shared between workers.",
            hint="Use a shared cache such as django.core.cache.backends.redis.RedisCache "
            "or django_redis.cache.RedisCache.",
            id="messenger.W001",
        )
    ]


THROTTLE_PERIODS = ("s", "m", "h", "d")

# Settings read with int(); each must hold a whole number of at least this.
INTEGER_SETTINGS = {
    "SESSION_TTL": 1,
    "POLL_INTERVAL_MS": 1,
    "MAX_MESSAGE_LENGTH": 1,
    "MAX_REQUEST_BYTES": 1,
    "POLL_PAGE_SIZE": 1,
    "EMPTY_CONVERSATION_MAX_AGE": 1,
    "PANEL_PAGE_SIZE": 1,
    "PANEL_POLL_INTERVAL_MS": 1,
}


def rate_is_valid(rate: Any) -> bool:
    """Return True for a DRF rate such as ``"20/min"``, or None, which turns a throttle off."""
    if rate is None:
        return True
    if not isinstance(rate, str) or rate.count("/") != 1:
        return False
    count, period = rate.split("/")
    return count.strip().isdigit() and period.strip()[:1] in THROTTLE_PERIODS


@register()
def check_rest_framework(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    if "rest_framework" in settings.INSTALLED_APPS:
        return []
    return [
        Error(
            "'rest_framework' is not in INSTALLED_APPS; the widget API is built on "
            "Django REST framework.",
            hint="Add 'rest_framework' to INSTALLED_APPS.",
            id="messenger.E004",
        )
    ]


@register()
def check_throttle_rates(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from .conf import DEFAULT_THROTTLE_RATES

    value = getattr(settings, "MESSENGER_THROTTLE_RATES", {}) or {}
    if not isinstance(value, dict):
        return [
            Error(
                f"MESSENGER_THROTTLE_RATES is {value!r}, which is not a dictionary.",
                hint='Set it to a dictionary such as {"bootstrap_ip": "20/min"}.',
                id="messenger.E005",
            )
        ]
    errors: list[Any] = []
    for key, rate in value.items():
        if key not in DEFAULT_THROTTLE_RATES:
            errors.append(
                Warning(
                    f"MESSENGER_THROTTLE_RATES has the key {key!r}, which no throttle reads.",
                    hint="Use the keys " + ", ".join(DEFAULT_THROTTLE_RATES) + ".",
                    id="messenger.W002",
                )
            )
        elif not rate_is_valid(rate):
            errors.append(
                Error(
                    f"MESSENGER_THROTTLE_RATES[{key!r}] is {rate!r}, which is not a rate.",
                    hint='Write a rate as "count/period" with a period of s, min, h or day, '
                    'for example "20/min", or None to turn the throttle off.',
                    id="messenger.E006",
                )
            )
    return errors


@register()
def check_numbers(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    errors: list[Any] = []
    value = getattr(settings, "MESSENGER_TRUSTED_PROXY_COUNT", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.append(
            Error(
                f"MESSENGER_TRUSTED_PROXY_COUNT is {value!r}, which is not a whole number "
                "of 0 or more.",
                hint="Set it to the number of reverse proxies in front of the CRM, "
                "or 0 when clients connect directly.",
                id="messenger.E007",
            )
        )
    for name, minimum in INTEGER_SETTINGS.items():
        setting = f"MESSENGER_{name}"
        if not hasattr(settings, setting):
            continue
        value = getattr(settings, setting)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            errors.append(
                Error(
                    f"{setting} is {value!r}, which is not a whole number of {minimum} or more.",
                    hint=f"Set {setting} to a positive whole number, or remove it for the default.",
                    id="messenger.E008",
                )
            )
    return errors


@register()
def check_origins(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from .origins import normalize_site

    errors: list[Any] = []
    base_url = getattr(settings, "MESSENGER_PUBLIC_BASE_URL", "") or ""
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if base_url and (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
    ):
        errors.append(
            Error(
                f"MESSENGER_PUBLIC_BASE_URL is {base_url!r}, which is not an absolute URL.",
                hint="Set it to the CRM's public address with its scheme, for example "
                "'https://crm.example.com', or leave it empty to use the request's host.",
                id="messenger.E009",
            )
        )
    origins = getattr(settings, "MESSENGER_CRM_ORIGINS", []) or []
    if isinstance(origins, str) or not isinstance(origins, list | tuple):
        origins = [origins]
    for origin in origins:
        if not isinstance(origin, str) or normalize_site(origin) is None:
            errors.append(
                Error(
                    f"MESSENGER_CRM_ORIGINS contains {origin!r}, which is not an origin.",
                    hint="List origins such as 'https://crm.example.com', without a path.",
                    id="messenger.E010",
                )
            )
    return errors


@register(deploy=True)
def check_public_base_url_https(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    base_url = getattr(settings, "MESSENGER_PUBLIC_BASE_URL", "") or ""
    if settings.DEBUG or not isinstance(base_url, str) or not base_url.startswith("http://"):
        return []
    return [
        Warning(
            f"MESSENGER_PUBLIC_BASE_URL is {base_url!r}, so embed codes load the widget "
            "over plain HTTP, which browsers block on HTTPS websites.",
            hint="Serve the CRM over HTTPS and set MESSENGER_PUBLIC_BASE_URL to its https:// URL.",
            id="messenger.W003",
        )
    ]


MESSENGER_CHECKS = (
    check_branch_model,
    check_hooks,
    check_shared_cache,
    check_rest_framework,
    check_throttle_rates,
    check_numbers,
    check_origins,
    check_public_base_url_https,
)
"""Every check of this module, in id order, for the diagnostics page."""
