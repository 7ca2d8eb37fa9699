"""Diagnostics: the same health report as a page and as JSON for monitoring."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.generic import TemplateView

from ...diagnostics import collect_health
from .base import SettingsPageMixin


class HealthView(SettingsPageMixin, TemplateView):
    """Show the health report; ``?format=json`` or the ``.json`` URL returns it as JSON.

    The JSON response has status 503 when the report has problems, so a
    monitoring probe can alert on the status code alone.
    """

    template_name = "messenger/settings/health.html"
    settings_section = "health"
    as_json = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = collect_health()
        if self.as_json or request.GET.get("format") == "json":
            response = JsonResponse(report.as_dict(), status=200 if report.ok else 503)
            response["Cache-Control"] = "no-store"
            return response
        return self.render_to_response(self.get_context_data(report=report))
