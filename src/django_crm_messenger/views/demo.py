from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ..embed import public_base_url
from ..models import Inbox
from ..utils import ensure_messenger_enabled_view


@ensure_messenger_enabled_view
def widget_demo(request: HttpRequest) -> HttpResponse:
    """Show a blank page carrying an active inbox's embed code: ``?token=<widget_token>``."""
    token = request.GET.get("token", "")
    inbox = Inbox.objects.filter(widget_token=token, is_active=True).first() if token else None
    if inbox is None:
        raise Http404("Unknown or inactive widget token.")
    return render(
        request,
        "messenger/widget_demo.html",
        {"inbox": inbox, "base_url": public_base_url(request)},
    )
