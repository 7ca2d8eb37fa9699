"""URLs of the messenger, grouped by audience under the ``messenger`` namespace.

``path("", include("django_crm_messenger.urls"))`` mounts every group at its
default path. A project that wants other prefixes writes its own list of the
same ``include()`` calls inside a ``messenger`` namespace.
"""

from django.urls import include, path

from . import demo, operator_api, panel, settings, widget_api

app_name = "messenger"

urlpatterns = [
    path("api/widget/", include(widget_api.urlpatterns)),
    path("messenger/", include(panel.urlpatterns)),
    path("api/messenger/", include(operator_api.urlpatterns)),
    path("widget-demo/", include(demo.urlpatterns)),
    path("settings/messenger/", include(settings.urlpatterns)),
]
