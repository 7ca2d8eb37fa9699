"""Support for fields that are set once at creation and never change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

_M = TypeVar("_M", bound=models.Model)


def field_attname(model: type[models.Model], name: str) -> str:
    """Return the attribute name of the concrete field ``name`` (``branch_id`` for ``branch``)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        # A reverse relation has no column, so it cannot be immutable.
        raise TypeError(
            f"{model.__name__}.{name} is not a concrete field; list only those in immutable_fields."
        )
    return field.attname


class ImmutableFieldsQuerySet(models.QuerySet[_M]):
    """Reject bulk updates that would change an immutable field."""

    def _reject_immutable(self, names: Iterable[str]) -> None:
        immutable = set(getattr(self.model, "immutable_fields", ()))
        attnames = {field_attname(self.model, name) for name in immutable}
        touched = (immutable | attnames) & set(names)
        if touched:
            raise ValidationError(
                _("%(fields)s cannot be changed after creation.")
                % {"fields": ", ".join(sorted(touched))}
            )

    def update(self, **kwargs: Any) -> int:
        self._reject_immutable(kwargs)
        return super().update(**kwargs)

    def bulk_update(
        self, objs: Iterable[_M], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        # A one-shot iterable would be used up by the check.
        fields = list(fields)
        self._reject_immutable(fields)
        return super().bulk_update(objs, fields, batch_size=batch_size)


class ImmutableFieldsModel(models.Model):
    """Model whose ``immutable_fields`` keep the value they had when first saved.

    ``clean()`` and ``save()`` both raise ``ValidationError`` on a change, and
    the default manager rejects ``update()`` and ``bulk_update()`` on them.
    """

    immutable_fields: ClassVar[tuple[str, ...]] = ()

    objects = ImmutableFieldsQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._raise_on_immutable_change()
        super().save(*args, **kwargs)
        self._remember_immutable_values()

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Self:
        # Arguments pass through unchanged: Django 6.1 added ``fetch_mode``.
        instance = super().from_db(*args, **kwargs)
        instance._remember_immutable_values()
        return instance

    def _remember_immutable_values(self) -> None:
        # A deferred field is not in __dict__ and is left out, so loading it
        # later is not mistaken for a change.
        self._original_immutable = {
            name: self.__dict__[attname]
            for name in self.immutable_fields
            if (attname := field_attname(type(self), name)) in self.__dict__
        }

    def changed_immutable_fields(self) -> list[str]:
        original = getattr(self, "_original_immutable", None)
        if self._state.adding or original is None:
            return []
        changed = []
        for name in self.immutable_fields:
            attname = field_attname(type(self), name)
            if name in original and original[name] != getattr(self, attname):
                changed.append(name)
        return changed

    def _raise_on_immutable_change(self) -> None:
        changed = self.changed_immutable_fields()
        if changed:
            raise ValidationError(
                {name: _("This field cannot be changed after creation.") for name in changed}
            )

    def clean(self) -> None:
        super().clean()
        self._raise_on_immutable_change()
