from django.urls import path

from ..views import demo

urlpatterns = [
    path("", demo.widget_demo, name="widget-demo"),
]
