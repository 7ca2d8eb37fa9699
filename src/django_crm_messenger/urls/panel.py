from django.urls import path

from ..views import panel

urlpatterns = [
    path("conversations/", panel.ConversationListView.as_view(), name="conversation-list"),
    path(
        "conversations/<int:pk>/",
        panel.ConversationDetailView.as_view(),
        name="conversation-detail",
    ),
]
