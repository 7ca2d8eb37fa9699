"""The widget on pages that fight it: aggressive CSS, covering elements, strict CSP."""

import pytest
from playwright.sync_api import expect

from .conftest import Widget, rgb, wait_for_stored, widget_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_CSS = """
<style>
* { all: unset !important; }
html, body { display: block !important; font-size: 4px !important; }
button, input, textarea, div, section, ol, li, p, form, label, span {
  display: none !important; color: red !important; font-size: 40px !important;
  position: static !important; visibility: hidden !important; opacity: 0 !important;
}
crm-messenger { display: none !important; opacity: 0 !important; z-index: 1 !important; }
#cover {
  display: block !important; position: fixed !important; right: 0 !important;
  bottom: 0 !important; width: 50px !important; height: 50px !important;
  z-index: 2147483647 !important; background: black !important;
}
#banner { display: block !important; position: relative !important; z-index: 99999 !important; }
</style>
"""

LOOKALIKES = """
<div id="cover"></div>
<div id="banner">Sale</div>
<button class="cm-launcher" id="host-button">Host button</button>
<div class="cm-panel cm-bubble" id="host-panel">Host panel</div>
"""


def test_hostile_css_does_not_break_widget(page, site_inbox, embed_page):
    page.goto(embed_page(head=HOSTILE_CSS, body=LOOKALIKES))
    widget = Widget(page)

    widget.open()
    expect(widget.launcher).to_have_css("background-color", rgb("#1F6FEB"))
    page.locator("crm-messenger .cm-start").click()
    widget.input.fill("Hello from a hostile page")
    widget.input.press("Enter")
    expect(widget.bubbles("visitor")).to_have_text(["Hello from a hostile page"])
    expect(widget.panel).to_have_css("font-size", "14px")
    conversation = widget_conversation(site_inbox)
    assert wait_for_stored({"conversation": conversation}, 1, page)[0].body == (
        "Hello from a hostile page"
    )


def test_widget_css_does_not_leak(page, site_inbox, embed_page):
    url = embed_page(body=LOOKALIKES)
    page.goto(url)
    widget = Widget(page)
    widget.open()

    host_button = page.locator("#host-button")
    expect(host_button).to_have_css("position", "static")
    assert host_button.evaluate("el => getComputedStyle(el).borderRadius") == "0px"
    expect(page.locator("#host-panel")).to_have_css("position", "static")
    expect(page.locator("#host-panel")).to_have_css("background-color", "rgba(0, 0, 0, 0)")


def test_strict_csp_page(page, site_inbox, live_server, embed_page):
    policy = (
        f"default-src 'none'; script-src {live_server.url}; style-src {live_server.url}; "
        f"connect-src {live_server.url}"
    )
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(embed_page(headers={"Content-Security-Policy": policy}))
    widget = Widget(page)

    widget.open()
    expect(widget.launcher).to_have_css("background-color", rgb("#1F6FEB"))
    page.locator("crm-messenger .cm-start").click()
    widget.send("Hello under CSP")
    expect(widget.bubbles("visitor")).to_have_text(["Hello under CSP"])
    expect(widget.bubbles("visitor")).to_have_css("white-space", "pre-wrap")
    assert violations == []
