"""The example CRM's URLs plus the baseline views under /bench/."""

from django.urls import path

from crm.urls import urlpatterns as crm_urlpatterns

from . import views

urlpatterns = [
    path("bench/constant/", views.ConstantView.as_view()),
    path("bench/cache-read/", views.CacheReadView.as_view()),
    path("bench/insert/", views.InsertView.as_view()),
    *crm_urlpatterns,
]
