"""The operator REST API, mounted at ``api/messenger/``.

The OpenAPI schema is served at ``schema/`` only when drf-spectacular (the
``openapi`` extra) is installed.
"""

from types import SimpleNamespace

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from ..api.operator.schema import SPECTACULAR_INSTALLED
from ..api.operator.views import ConversationViewSet, InboxViewSet

router = SimpleRouter()
router.register("conversations", ConversationViewSet, basename="operator-conversation")
router.register("inboxes", InboxViewSet, basename="operator-inbox")

urlpatterns = list(router.urls)

if SPECTACULAR_INSTALLED:
    from ..api.operator.schema import OperatorSchemaView

    # The schema covers this API only, at the paths where the default include mounts it.
    schema_urlconf = SimpleNamespace(urlpatterns=[path("api/messenger/", include(router.urls))])
    urlpatterns.append(
        path(
            "schema/",
            OperatorSchemaView.as_view(urlconf=schema_urlconf),
            name="operator-api-schema",
        )
    )
