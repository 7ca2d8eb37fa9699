"""The branch model and the hook that decides which branches a user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import import_string

from .conf import messenger_settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser


def get_branch_model() -> type[models.Model]:
    """Return the branch model named by MESSENGER_BRANCH_MODEL."""
    label = messenger_settings.BRANCH_MODEL
    try:
        return django_apps.get_model(label, require_ready=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"MESSENGER_BRANCH_MODEL must be of the form 'app_label.ModelName', got {label!r}."
        ) from exc
    except LookupError as exc:
        raise ImproperlyConfigured(
            f"MESSENGER_BRANCH_MODEL refers to model {label!r}, which is not installed. "
            "Add its app to INSTALLED_APPS or set MESSENGER_BRANCH_MODEL to an installed model."
        ) from exc


def user_sees_all_branches(user: AbstractUser | AnonymousUser) -> bool:
    """Return True for superusers and users holding ``messenger.manage_messenger``."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("messenger.manage_messenger"))
    )


def default_visible_branches(user: Any) -> models.QuerySet[Any] | None:
    """Return the branches a user may see, or ``None`` for all of them.

    Admins (see ``user_sees_all_branches``) see every branch. Any other user
    sees the branch named by the user attribute in
    ``MESSENGER_USER_BRANCH_ATTRIBUTE`` (``branch`` by default), which may be a
    single branch, a branch id, or a related manager of several branches.
    """
    branch_model = get_branch_model()
    if not (user.is_authenticated and user.is_active):
        return branch_model._default_manager.none()
    if user_sees_all_branches(user):
        return None

    attribute = messenger_settings.USER_BRANCH_ATTRIBUTE
    # Reading the foreign key's id column avoids loading the branch row.
    branch_id = getattr(user, f"{attribute}_id", None)
    if branch_id is not None:
        return branch_model._default_manager.filter(pk=branch_id)

    value = getattr(user, attribute, None)
    if value is None:
        return branch_model._default_manager.none()
    if isinstance(value, models.Manager):
        return value.all()
    if isinstance(value, models.Model):
        return branch_model._default_manager.filter(pk=value.pk)
    return branch_model._default_manager.filter(pk=value)


def get_visible_branches(user: Any) -> models.QuerySet[Any] | None:
    """Call the MESSENGER_VISIBLE_BRANCHES hook: a branch queryset, or None for all."""
    hook = import_string(messenger_settings.VISIBLE_BRANCHES)
    visible: models.QuerySet[Any] | None = hook(user)
    return visible


def branch_filter(user: Any, field: str = "branch") -> models.Q:
    """Return a ``Q`` that limits a queryset to the branches the user may see."""
    visible = get_visible_branches(user)
    if visible is None:
        return models.Q()
    return models.Q(**{f"{field}__in": visible.values("pk")})
