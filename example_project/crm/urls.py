from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.settings_index, name="settings"),
    path("login/", auth_views.LoginView.as_view(template_name="crm/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The messenger at its default paths: /api/widget/, /messenger/,
    # /settings/messenger/, /widget-demo/ and /api/messenger/.
    path("", include("django_crm_messenger.urls")),
]
