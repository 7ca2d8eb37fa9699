from django.contrib import admin
from django.urls import path

# A project that has not included the messenger's URLs (yet).
urlpatterns = [path("admin/", admin.site.urls)]
