"""System checks for settings that a deployment commonly gets wrong."""

from __future__ import annotations

from typing import Any

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
                hint="Point it at a function taking a user and returning a branch queryset or None.",
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
