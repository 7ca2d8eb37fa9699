"""Who may reach which panel page and operator API endpoint, for their own and another branch."""

import pytest
from django.urls import reverse

from .factories import make_conversation

pytestmark = pytest.mark.django_db

USERS = ["admin", "operator_a", "operator_b", "anonymous"]

# (name, method, url name, needs an object, data, success status)
PAGES = [
    ("list", "get", "messenger:conversation-list", False, None, 200),
    ("updates", "get", "messenger:panel-updates", False, None, 200),
    ("detail", "get", "messenger:conversation-detail", True, None, 200),
    ("live", "get", "messenger:conversation-live", True, None, 200),
    ("reply", "post", "messenger:conversation-detail", True, {"body": "Hi"}, 302),
    ("assign", "post", "messenger:conversation-action:assign", True, "self", 302),
    ("resolve", "post", "messenger:conversation-action:resolve", True, {}, 302),
    ("reopen", "post", "messenger:conversation-action:reopen", True, {}, 302),
    ("read", "post", "messenger:conversation-action:read", True, {}, 302),
]
API = [
    ("api-list", "get", "messenger:operator-conversation-list", False, None, 200),
    ("api-inboxes", "get", "messenger:operator-inbox-list", False, None, 200),
    ("api-schema", "get", "messenger:operator-api-schema", False, None, 200),
    ("api-detail", "get", "messenger:operator-conversation-detail", True, None, 200),
    ("api-messages", "get", "messenger:operator-conversation-messages", True, None, 200),
    ("api-reply", "post", "messenger:operator-conversation-reply", True, {"body": "Hi"}, 201),
    ("api-assign", "post", "messenger:operator-conversation-assign", True, "self", 200),
    ("api-resolve", "post", "messenger:operator-conversation-resolve", True, {}, 200),
    ("api-reopen", "post", "messenger:operator-conversation-reopen", True, {}, 200),
    ("api-read", "post", "messenger:operator-conversation-read", True, {}, 200),
    ("api-inbox", "get", "messenger:operator-inbox-detail", "inbox", None, 200),
]


@pytest.fixture
def world(admin_user, operator_a, operator_b, inbox, inbox_b):
    return {
        "users": {"admin": admin_user, "operator_a": operator_a, "operator_b": operator_b},
        "conversations": {
            "a": make_conversation(inbox, "Anna"),
            "b": make_conversation(inbox_b, "Boris"),
        },
        "inboxes": {"a": inbox, "b": inbox_b},
    }


def allowed(user_name, owner):
    return user_name == "admin" or user_name == f"operator_{owner}"


def build_url(url_name, obj_kind, world, owner):
    if ":" in url_name.split("messenger:", 1)[1]:
        base, action = url_name.rsplit(":", 1)
        return reverse(base, args=[world["conversations"][owner].pk, action])
    if obj_kind == "inbox":
        return reverse(url_name, args=[world["inboxes"][owner].pk])
    if obj_kind:
        return reverse(url_name, args=[world["conversations"][owner].pk])
    return reverse(url_name)


def call(client, method, url, data, user, api):
    if data == "self":
        data = {"assignee": user.pk if user else 1}
    if method == "get":
        return client.get(url)
    if api:
        return client.post(url, data, content_type="application/json")
    return client.post(url, data)


CELLS = [
    (user, endpoint, owner)
    for user in USERS
    for endpoint in PAGES + API
    for owner in (["a", "b"] if endpoint[3] else ["-"])
]


@pytest.mark.parametrize(
    ("user_name", "endpoint", "owner"),
    CELLS,
    ids=[f"{user}-{endpoint[0]}-{owner}" for user, endpoint, owner in CELLS],
)
def test_access_matrix(client, world, user_name, endpoint, owner):
    name, method, url_name, obj_kind, data, success = endpoint
    api = name.startswith("api-")
    user = world["users"].get(user_name)
    if user is not None:
        client.force_login(user)
    url = build_url(url_name, obj_kind, world, owner if owner != "-" else "a")

    response = call(client, method, url, data, user, api)

    if user is None:
        if api:
            assert response.status_code in (401, 403)
        else:
            assert response.status_code == 302
            assert response["Location"].startswith("/login/?next=")
    elif owner == "-" or allowed(user_name, owner):
        assert response.status_code == success, response.content[:500]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("user_name", ["admin", "operator_a", "operator_b"])
def test_lists_show_only_visible_branches(client, world, user_name):
    client.force_login(world["users"][user_name])
    expected = {owner for owner in "ab" if allowed(user_name, owner)}

    page = client.get(reverse("messenger:conversation-list")).content.decode()
    api = client.get(reverse("messenger:operator-conversation-list")).json()["results"]
    inboxes = client.get(reverse("messenger:operator-inbox-list")).json()

    api_ids = {row["id"] for row in api}
    for owner, conversation in world["conversations"].items():
        shown = owner in expected
        assert (f'data-conversation-id="{conversation.pk}"' in page) is shown
        assert (conversation.pk in api_ids) is shown
    assert {row["id"] for row in inboxes} == {world["inboxes"][owner].pk for owner in expected}


def test_other_branch_inbox_filter_shows_nothing(client, world):
    client.force_login(world["users"]["operator_a"])
    inbox_b = world["inboxes"]["b"]
    page = client.get(reverse("messenger:conversation-list"), {"inbox": inbox_b.pk})
    api = client.get(reverse("messenger:operator-conversation-list"), {"inbox": inbox_b.pk})
    assert page.context["conversations"] == []
    assert api.json()["results"] == []


@pytest.mark.parametrize("api", [False, True])
def test_assigning_to_another_branch_user_is_rejected(client, world, api):
    operator_a, operator_b = world["users"]["operator_a"], world["users"]["operator_b"]
    conversation = world["conversations"]["a"]
    client.force_login(operator_a)

    if api:
        response = client.post(
            reverse("messenger:operator-conversation-assign", args=[conversation.pk]),
            {"assignee": operator_b.pk},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "assignee" in response.json()
    else:
        response = client.post(
            reverse("messenger:conversation-action", args=[conversation.pk, "assign"]),
            {"assignee": operator_b.pk},
            follow=True,
        )
        assert "cannot be assigned" in response.content.decode()

    conversation.refresh_from_db()
    assert conversation.assignee_id is None


@pytest.mark.parametrize("api", [False, True])
def test_disabled_messenger_hides_panel_and_api(client, settings, world, api):
    settings.MESSENGER_ENABLED = False
    client.force_login(world["users"]["admin"])
    if api:
        response = client.get(reverse("messenger:operator-conversation-list"))
        assert response.status_code == 404
        assert response.json() == {"detail": "Messenger disabled"}
    else:
        assert client.get(reverse("messenger:conversation-list")).status_code == 404
        assert client.get(reverse("messenger:panel-updates")).status_code == 404
