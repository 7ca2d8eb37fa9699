"""URLs of the messenger, grouped by audience under the ``messenger`` namespace.

``path("", include("django_crm_messenger.urls"))`` mounts everything at the
default paths. A project that wants other prefixes includes the groups
itself, each once, inside its own ``messenger`` namespace.
"""

from django.urls import include, path

from .api.widget import urls as widget_api_urls
from .views import demo, panel

app_name = "messenger"

panel_patterns = [
    path("conversations/", panel.ConversationListView.as_view(), name="conversation-list"),
    path(
        "conversations/<int:pk>/",
        panel.ConversationDetailView.as_view(),
        name="conversation-detail",
    ),
]

demo_patterns = [
    path("", demo.widget_demo, name="widget-demo"),
]

urlpatterns = [
    path("api/widget/", include(widget_api_urls.urlpatterns)),
    path("messenger/", include(panel_patterns)),
    path("widget-demo/", include(demo_patterns)),
]
