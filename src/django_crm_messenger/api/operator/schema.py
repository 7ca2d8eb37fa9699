"""Optional OpenAPI support through drf-spectacular (the ``openapi`` extra)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from rest_framework.schemas.inspectors import DefaultSchema

SPECTACULAR_INSTALLED = importlib.util.find_spec("drf_spectacular") is not None

if SPECTACULAR_INSTALLED:
    from drf_spectacular.openapi import AutoSchema
    from drf_spectacular.utils import extend_schema as spectacular_extend_schema

    def extend_schema(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        """Apply drf-spectacular's ``extend_schema`` on top of its own inspector.

        Without a ``schema`` on the function it would subclass the host's
        DEFAULT_SCHEMA_CLASS, which may be DRF's and break generation.
        """
        decorate = spectacular_extend_schema(*args, **kwargs)

        def decorator(target: Any) -> Any:
            if getattr(target, "schema", None) is None:
                target.schema = AutoSchema
            return decorate(target)

        return decorator

else:  # pragma: no cover - exercised only without the extra

    def extend_schema(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        def decorator(target: Any) -> Any:
            return target

        return decorator


def view_schema() -> Any:
    """Return the schema inspector for operator API views.

    drf-spectacular rejects views whose inspector is not its own, and a host
    project's DEFAULT_SCHEMA_CLASS may be DRF's, so the views set it.
    """
    return AutoSchema() if SPECTACULAR_INSTALLED else DefaultSchema()


if SPECTACULAR_INSTALLED:
    from drf_spectacular.views import SpectacularAPIView
    from rest_framework import status
    from rest_framework.response import Response

    from ...utils import DISABLED_DETAIL, MessengerDisabled
    from .permissions import BranchScoped, MessengerEnabled

    class OperatorSchemaView(SpectacularAPIView):
        """The operator API's OpenAPI 3 document, for users who may call the API."""

        permission_classes = [MessengerEnabled, BranchScoped]
        custom_settings = {"TITLE": "django-crm-messenger operator API", "VERSION": "1"}

        def handle_exception(self, exc: Exception) -> Response:
            if isinstance(exc, MessengerDisabled):
                return Response({"detail": DISABLED_DETAIL}, status=status.HTTP_404_NOT_FOUND)
            return super().handle_exception(exc)


__all__ = ["SPECTACULAR_INSTALLED", "extend_schema", "view_schema"]
