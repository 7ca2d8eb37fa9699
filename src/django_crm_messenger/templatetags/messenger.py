from typing import Any

from django import template
from django.utils.safestring import SafeString

from ..embed import embed_snippet, public_base_url

register = template.Library()


@register.simple_tag(takes_context=True)
def messenger_embed(
    context: dict[str, Any], inbox_or_token: Any, base_url: str = "", csp_nonce: bool = True
) -> SafeString:
    """Render the widget's embed code: ``{% messenger_embed inbox %}`` or with a token string.

    The base URL is MESSENGER_PUBLIC_BASE_URL, else the current request's host,
    unless ``base_url`` is given. The page's CSP nonce (the ``csp_nonce``
    context variable, else ``request.csp_nonce``) goes onto both tags; pass
    ``csp_nonce=False`` where the snippet is shown for copying, because a
    nonce is only valid on the page that issued it.
    """
    request = context.get("request")
    nonce = ""
    if csp_nonce:
        nonce = str(context.get("csp_nonce") or getattr(request, "csp_nonce", "") or "")
    return embed_snippet(
        inbox_or_token, base_url.rstrip("/") or public_base_url(request), nonce=nonce
    )
