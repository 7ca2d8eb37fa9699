from django.urls import path

from ..views import panel

urlpatterns = [
    path("conversations/", panel.ConversationListView.as_view(), name="conversation-list"),
    path(
        "conversations/<int:pk>/",
        panel.ConversationDetailView.as_view(),
        name="conversation-detail",
    ),
    path(
        "conversations/<int:pk>/live/",
        panel.ConversationLiveView.as_view(),
        name="conversation-live",
    ),
    path(
        "conversations/<int:pk>/<slug:action>/",
        panel.ConversationActionView.as_view(),
        name="conversation-action",
    ),
    path("updates/", panel.UpdatesView.as_view(), name="panel-updates"),
]
