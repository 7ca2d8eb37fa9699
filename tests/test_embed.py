"""The embed snippet, the template tag and the promises the shipped widget files keep."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings

from django_crm_messenger.embed import derived_api_url, embed_snippet

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "django_crm_messenger" / "static" / "messenger"
BASE = "https://crm.example.com"


def render_tag(source: str, **context) -> str:
    return Template("{% load messenger %}" + source).render(Context(context))


def test_snippet_matches_documented_form():
    assert str(embed_snippet("tok-123", BASE)) == (
        '<link rel="stylesheet" href="https://crm.example.com/static/messenger/widget.css">\n'
        '<script src="https://crm.example.com/static/messenger/widget.js" '
        'data-widget-token="tok-123"></script>'
    )


def test_snippet_escapes_token():
    snippet = str(embed_snippet('"><script>alert(1)</script>', BASE))
    assert "<script>alert" not in snippet
    assert 'data-widget-token="&quot;&gt;&lt;script&gt;' in snippet


def test_snippet_takes_inbox(inbox):
    assert f'data-widget-token="{inbox.widget_token}"' in str(embed_snippet(inbox, BASE))


@pytest.mark.parametrize(
    ("script_url", "api_url"),
    [
        (
            "https://crm.example.com/static/messenger/widget.js",
            "https://crm.example.com/api/widget/",
        ),
        (
            "https://crm.example.com/crm/static/messenger/widget.js?v=2",
            "https://crm.example.com/crm/api/widget/",
        ),
        ("https://cdn.example.net/assets/widget.js", "https://cdn.example.net/api/widget/"),
    ],
)
def test_derived_api_url(script_url, api_url):
    assert derived_api_url(script_url) == api_url


@override_settings(STATIC_URL="https://cdn.example.net/assets/")
def test_snippet_names_api_when_static_elsewhere():
    snippet = str(embed_snippet("tok", BASE))
    assert 'src="https://cdn.example.net/assets/messenger/widget.js"' in snippet
    assert 'data-api-url="https://crm.example.com/api/widget/"' in snippet


def test_tag_uses_request_host():
    request = RequestFactory().get("/", HTTP_HOST="localhost:8000")
    html = render_tag("{% messenger_embed 'tok' %}", request=request)
    assert 'src="http://localhost:8000/static/messenger/widget.js"' in html
    assert "nonce" not in html
    assert "data-api-url" not in html


@override_settings(MESSENGER_PUBLIC_BASE_URL="https://crm.example.com")
def test_tag_prefers_public_base_url():
    request = RequestFactory().get("/", HTTP_HOST="localhost:8001")
    html = render_tag("{% messenger_embed 'tok' %}", request=request)
    assert 'href="https://crm.example.com/static/messenger/widget.css"' in html


def test_tag_passes_context_nonce():
    html = render_tag("{% messenger_embed 'tok' 'https://crm.example.com' %}", csp_nonce="n0nce")
    assert html.count('nonce="n0nce"') == 2


def test_tag_passes_request_nonce():
    request = RequestFactory().get("/")
    request.csp_nonce = "r3q"
    html = render_tag("{% messenger_embed 'tok' %}", request=request)
    expected = (
        '<script src="http://testserver/static/messenger/widget.js" '
        'data-widget-token="tok" nonce="r3q">'
    )
    assert expected in html


def test_tag_without_nonce_for_copying():
    html = render_tag("{% messenger_embed 'tok' csp_nonce=False %}", csp_nonce="n0nce")
    assert "nonce" not in html


def test_settings_embed_code_has_no_page_nonce(inbox):
    request = RequestFactory().get("/messenger/settings/")
    request.csp_nonce = "page-nonce"
    html = render_to_string(
        "messenger/settings/_embed.html",
        {"inbox": inbox, "request": request, "csp_nonce": "page-nonce"},
    )

    code = re.search(r'<textarea[^>]*data-testid="embed-code">(.*?)</textarea>', html, re.S).group(
        1
    )
    assert f'data-widget-token="{inbox.widget_token}"' in code
    assert "nonce" not in code
    assert "page-nonce" not in html


def test_demo_page_embeds_inbox(client, inbox):
    response = client.get(f"/widget-demo/?token={inbox.widget_token}")
    assert response.status_code == 200
    assert f'data-widget-token="{inbox.widget_token}"' in response.content.decode()
    assert 'src="http://testserver/static/messenger/widget.js"' in response.content.decode()


def test_demo_page_unknown_token(client, db):
    assert client.get("/widget-demo/?token=nope").status_code == 404


FORBIDDEN_IN_SCRIPT = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "eval(",
    "new Function",
    'setAttribute("style"',
    'createElement("style")',
)


@pytest.mark.parametrize("path", ["src/widget.js", "widget.js"])
def test_widget_script_avoids_html_and_eval(path):
    source = (STATIC / path).read_text()
    for forbidden in FORBIDDEN_IN_SCRIPT:
        assert forbidden not in source, forbidden


@pytest.mark.parametrize("path", ["src/widget.css", "widget.css"])
def test_widget_css_is_scoped_to_shadow_root(path):
    css = re.sub(r"/\*.*?\*/", "", (STATIC / path).read_text(), flags=re.S)
    css = re.sub(r"@media[^{]*{", "}", css)
    selectors = re.findall(r"(?:^|})\s*([^{}@][^{}]*?)\s*{", css)
    assert len(selectors) > 30
    for group in selectors:
        for selector in group.split(","):
            assert selector.strip().startswith(":host"), selector


def test_docs_cover_data_attributes_and_api():
    source = (STATIC / "src" / "widget.js").read_text()
    docs = (ROOT / "docs" / "widget.md").read_text()
    attributes = {
        re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)
        for name in re.findall(r"options\.(\w+)", source)
    }
    assert attributes == {"widget-token", "api-url", "region", "locale", "open"}
    for attribute in attributes:
        assert f"data-{attribute}" in docs, attribute
    api_block = source[source.index("window.CrmMessenger = {") :]
    methods = set(re.findall(r"^    (\w+):", api_block, flags=re.M)) - {"version"}
    assert methods == {"open", "close", "toggle", "identify", "setRegion", "on", "off"}
    for method in methods:
        assert f"{method}(" in docs, method
    for event in ("ready", "opened", "closed", "message:sent", "message:received"):
        assert f'emit("{event}"' in source
        assert f"`{event}`" in docs, event
