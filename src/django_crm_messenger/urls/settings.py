from django.urls import path, re_path

from ..views.settings import health, inboxes, routing

urlpatterns = [
    path("", inboxes.InboxListView.as_view(), name="settings-inboxes"),
    path("inboxes/new/", inboxes.InboxCreateView.as_view(), name="settings-inbox-create"),
    path("inboxes/<int:pk>/", inboxes.InboxEditView.as_view(), name="settings-inbox-edit"),
    path(
        "inboxes/<int:pk>/regenerate-token/",
        inboxes.RegenerateTokenView.as_view(),
        name="settings-inbox-regenerate-token",
    ),
    path("routing/", routing.RoutingRuleListView.as_view(), name="settings-routing"),
    path("routing/new/", routing.RoutingRuleFormView.as_view(), name="settings-routing-create"),
    path("routing/<int:pk>/", routing.RoutingRuleFormView.as_view(), name="settings-routing-edit"),
    re_path(
        r"^routing/(?P<pk>[0-9]+)/(?P<action>up|down|activate|deactivate|delete)/$",
        routing.RoutingRuleActionView.as_view(),
        name="settings-routing-action",
    ),
    path("health/", health.HealthView.as_view(), name="settings-health"),
    path("health.json", health.HealthView.as_view(as_json=True), name="settings-health-json"),
]
