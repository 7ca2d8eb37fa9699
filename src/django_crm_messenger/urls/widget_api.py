from django.urls import path

from ..api.widget import fast
from ..api.widget.views import BootstrapView, ConfigView

urlpatterns = [
    path("config/", ConfigView.as_view(), name="widget-config"),
    path("bootstrap/", BootstrapView.as_view(), name="widget-bootstrap"),
    # Plainly valid sends and polls are handled without DRF, and the rest
    # reaches SendView and PollView.
    path("send/", fast.send, name="widget-send"),
    path("poll/", fast.poll, name="widget-poll"),
]
