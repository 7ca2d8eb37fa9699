"""Django base classes that django-stubs types as generic, subscriptable at run time.

django-stubs types ``ModelAdmin``, ``ModelForm`` and friends as generic, but
Django's own classes cannot be written as ``ModelAdmin[Inbox]`` at run time.
django-stubs-ext's ``monkeypatch()`` would patch Django for every app of the
project and add a run-time dependency, so these thin subclasses accept the
type arguments and ignore them instead; mypy sees the real classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["FormView", "ModelAdmin", "ModelChoiceField", "ModelForm", "TabularInline"]

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin, TabularInline
    from django.forms import ModelChoiceField, ModelForm
    from django.views.generic import FormView
else:
    from django import forms
    from django.contrib import admin
    from django.views import generic

    class _Subscriptable:
        def __class_getitem__(cls, params: Any) -> type:
            return cls

    class ModelAdmin(_Subscriptable, admin.ModelAdmin):
        pass

    class TabularInline(_Subscriptable, admin.TabularInline):
        pass

    class ModelForm(_Subscriptable, forms.ModelForm):
        pass

    class ModelChoiceField(_Subscriptable, forms.ModelChoiceField):
        pass

    class FormView(_Subscriptable, generic.FormView):
        pass
