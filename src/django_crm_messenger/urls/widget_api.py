from django.urls import path

from ..api.widget.views import BootstrapView, ConfigView, PollView, SendView

urlpatterns = [
    path("config/", ConfigView.as_view(), name="widget-config"),
    path("bootstrap/", BootstrapView.as_view(), name="widget-bootstrap"),
    path("send/", SendView.as_view(), name="widget-send"),
    path("poll/", PollView.as_view(), name="widget-poll"),
]
