import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from django_crm_messenger.branches import get_branch_model
from django_crm_messenger.models import Inbox
from django_crm_messenger.services import postgres_messages

CHROMIUM_PATH = os.environ.get("MESSENGER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def clear_cache() -> Iterator[None]:
    cache.clear()
    yield


@pytest.fixture(params=["one statement", "orm"])
def message_store(request, monkeypatch) -> str:
    """Run a test once for each way a message is stored.

    On PostgreSQL a message is stored in one statement; the ORM path, which
    other databases take, is forced for the second run.
    """
    if request.param == "orm":
        monkeypatch.setattr(postgres_messages, "can_store", lambda connection: False)
    return request.param


@pytest.fixture
def branch_a(db):
    return get_branch_model().objects.create(name="Branch A")


@pytest.fixture
def branch_b(db):
    return get_branch_model().objects.create(name="Branch B")


@pytest.fixture
def inbox(branch_a) -> Inbox:
    return Inbox.objects.create(
        name="Shop",
        branch=branch_a,
        widget_title="Chat with the shop",
        widget_greeting="Hello! How can we help?",
        allowed_sites=["https://shop.example.com"],
    )


@pytest.fixture
def inbox_b(branch_b) -> Inbox:
    return Inbox.objects.create(name="Shop B", branch=branch_b)


def make_user(django_user_model, username: str, branch=None, **extra: Any):
    user = django_user_model.objects.create_user(
        username=username, password="password-123", branch=branch, **extra
    )
    return user


@pytest.fixture
def operator_a(django_user_model, branch_a):
    return make_user(django_user_model, "operator_a", branch_a, first_name="Olga")


@pytest.fixture
def operator_b(django_user_model, branch_b):
    return make_user(django_user_model, "operator_b", branch_b)


@pytest.fixture
def admin_user(django_user_model):
    return make_user(django_user_model, "boss", is_superuser=True, is_staff=True)


class WidgetClient:
    """Calls the widget API the way a browser on ``origin`` would."""

    def __init__(self, origin: str | None = "https://shop.example.com"):
        self.client = APIClient()
        self.origin = origin

    def post(self, endpoint: str, data: Any, **headers: Any):
        if self.origin and "HTTP_ORIGIN" not in headers:
            headers["HTTP_ORIGIN"] = self.origin
        return self.client.post(f"/api/widget/{endpoint}/", data, format="json", **headers)

    def bootstrap(self, inbox: Inbox, **data: Any):
        return self.post("bootstrap", {"widget_token": inbox.widget_token, **data})

    def start(self, inbox: Inbox, **data: Any) -> str:
        response = self.bootstrap(inbox, **data)
        assert response.status_code == 200, response.content
        return response.json()["widget_session_token"]


@pytest.fixture
def widget() -> WidgetClient:
    return WidgetClient()


# Browser tests ------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM_PATH) and not os.path.exists(CHROMIUM_PATH):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM_PATH}; CI must install it.")
        pytest.skip(f"Chromium is missing at {CHROMIUM_PATH}")
    # Playwright's sync API runs an event loop in this thread, which makes
    # Django's async-safety check reject ORM calls from the test body.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class StaticSite:
    """A tiny web server on ``localhost`` that serves pages set by the test."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, dict[str, str]]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = site.pages.get(self.path.split("?")[0])
                if page is None:
                    self.send_error(404)
                    return
                body, headers = page
                encoded = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(encoded)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        # "localhost" and the API's "127.0.0.1" are different origins.
        self.origin = f"http://localhost:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add_page(self, path: str, body: str, headers: dict[str, str] | None = None) -> str:
        self.pages[path] = (body, headers or {})
        return f"{self.origin}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def external_site() -> Iterator[StaticSite]:
    site = StaticSite()
    yield site
    site.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
