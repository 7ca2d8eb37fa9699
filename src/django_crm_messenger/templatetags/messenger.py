from typing import Any

from django import template
from django.utils.safestring import SafeString

from ..embed import embed_snippet, public_base_url

register = template.Library()


@register.simple_tag(takes_context=True)
def messenger_embed(context: dict[str, Any], inbox_or_token: Any, base_url: str = "") -> SafeString:
    """Render the widget's embed code: ``{% messenger_embed inbox %}`` or with a token string.

    The base URL is MESSENGER_PUBLIC_BASE_URL, else the current request's host,
    unless ``base_url`` is given.
    """
    request = context.get("request")
    return embed_snippet(inbox_or_token, base_url.rstrip("/") or public_base_url(request))
