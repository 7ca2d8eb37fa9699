import pytest
from django.urls import reverse

from django_crm_messenger.models import ConversationStatus, Inbox, Message, ReadMarker
from django_crm_messenger.services.conversations import assign_conversation, resolve_conversation
from django_crm_messenger.services.messages import send_visitor_message
from tests.panel.factories import make_conversation, make_conversations

pytestmark = pytest.mark.django_db

LIST = "/api/messenger/conversations/"


def url(name, conversation):
    return reverse(f"messenger:operator-conversation-{name}", args=[conversation.pk])


@pytest.fixture
def api(client, operator_a):
    client.force_login(operator_a)
    return client


@pytest.fixture
def conversation(inbox):
    return make_conversation(inbox, "Anna", "Hello", email="anna@example.com")


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_shape(api, conversation):
    row = api.get(LIST).json()["results"][0]
    assert row["id"] == conversation.pk
    assert row["contact"]["name"] == "Anna"
    assert row["contact"]["email"] == "anna@example.com"
    assert row["inbox"] == {"id": conversation.inbox_id, "name": "Shop"}
    assert row["status"] == "open"
    assert row["assignee"] is None
    assert row["unread_count"] == 1
    assert row["last_message_preview"] == "Hello"
    assert row["contact_verified"] is True


def test_list_filters_match_the_panel(api, operator_a, inbox, branch_a):
    second_inbox = Inbox.objects.create(name="Second", branch=branch_a)
    mine = make_conversation(inbox, "Mine")
    resolved = make_conversation(inbox, "Done")
    other = make_conversation(second_inbox, "Other", "Where is order 77?")
    assign_conversation(mine, operator_a, operator_a)
    resolve_conversation(resolved, operator_a)

    assert ids(api.get(LIST)) == [other.pk, mine.pk]
    assert ids(api.get(LIST, {"status": "resolved"})) == [resolved.pk]
    assert ids(api.get(LIST, {"assignee": "mine"})) == [mine.pk]
    assert ids(api.get(LIST, {"assignee": "unassigned"})) == [other.pk]
    assert ids(api.get(LIST, {"inbox": second_inbox.pk})) == [other.pk]
    assert ids(api.get(LIST, {"q": "order 77"})) == [other.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"assignee": "them"}, "assignee"),
        ({"inbox": "x"}, "inbox"),
        ({"cursor": "garbage"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1000"}, "page_size"),
    ],
)
def test_bad_list_parameters_get_400(api, conversation, params, field):
    response = api.get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()


def test_cursor_pagination_walks_every_row_once(api, inbox):
    created = make_conversations(inbox, 7)
    seen, next_url = [], f"{LIST}?page_size=3"
    while next_url:
        response = api.get(next_url)
        seen.extend(ids(response))
        next_url = response.json()["next"]
    assert seen == [conversation.pk for conversation in reversed(created)]


def test_retrieve_includes_resolved_and_routing_rule(api, operator_a, conversation):
    resolve_conversation(conversation, operator_a)
    data = api.get(url("detail", conversation)).json()
    assert data["status"] == "resolved"
    assert data["routing_rule"] is None


def test_messages_after_and_limit(api, conversation):
    for number in range(3):
        send_visitor_message(conversation.pk, f"More {number}")
    messages = api.get(url("messages", conversation)).json()
    assert [message["body"] for message in messages] == ["Hello", "More 0", "More 1", "More 2"]
    after = api.get(url("messages", conversation), {"after": messages[1]["id"], "limit": 1}).json()
    assert [message["body"] for message in after] == ["More 1"]
    assert api.get(url("messages", conversation), {"after": "-5"}).status_code == 400
    assert api.get(url("messages", conversation), {"limit": "500"}).status_code == 400


def test_reply_is_stored_once_per_client_message_id(api, conversation):
    body = {"body": "Hello from the API", "client_message_id": "abc-1"}
    first = api.post(url("reply", conversation), body, content_type="application/json")
    again = api.post(url("reply", conversation), body, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["sender"] == "operator"
    assert first.json()["author_name"] == "Olga"
    assert Message.objects.filter(body="Hello from the API").count() == 1


@pytest.mark.parametrize("body", [{"body": "   "}, {"body": "x" * 4001}, {}, {"body": None}])
def test_bad_reply_gets_400(api, conversation, body):
    response = api.post(url("reply", conversation), body, content_type="application/json")
    assert response.status_code == 400
    assert "body" in response.json()


def test_assign_resolve_reopen_and_read(api, operator_a, conversation):
    response = api.post(
        url("assign", conversation), {"assignee": operator_a.pk}, content_type="application/json"
    )
    assert response.json()["assignee"]["id"] == operator_a.pk

    assert api.post(url("resolve", conversation)).json()["status"] == ConversationStatus.RESOLVED
    assert api.post(url("reopen", conversation)).json()["status"] == ConversationStatus.OPEN

    response = api.post(
        url("assign", conversation), {"assignee": None}, content_type="application/json"
    )
    assert response.json()["assignee"] is None

    assert api.post(url("read", conversation)).json() == {
        "last_read_message_id": conversation.last_message_id
    }
    assert (
        ReadMarker.objects.get(user=operator_a).last_read_message_id == conversation.last_message_id
    )
    assert api.get(LIST).json()["results"][0]["unread_count"] == 0

    response = api.post(
        url("read", conversation), {"message_id": 0}, content_type="application/json"
    )
    assert response.json() == {"last_read_message_id": 0}
    assert api.get(LIST).json()["results"][0]["unread_count"] == 1


@pytest.mark.parametrize("assignee", [999999, "me", -1])
def test_assign_to_unknown_user_gets_400(api, conversation, assignee):
    response = api.post(
        url("assign", conversation), {"assignee": assignee}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "assignee" in response.json()


def test_admin_may_assign_themselves_anywhere(client, admin_user, conversation):
    client.force_login(admin_user)
    response = client.post(
        url("assign", conversation), {"assignee": admin_user.pk}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == admin_user.pk


def test_inbox_list(api, inbox, inbox_b):
    assert api.get(reverse("messenger:operator-inbox-list")).json() == [
        {
            "id": inbox.pk,
            "name": "Shop",
            "branch": inbox.branch_id,
            "branch_name": "Branch A",
            "is_active": True,
        }
    ]


def test_basic_authentication_from_drf_defaults_works(client, operator_a, conversation):
    import base64

    credentials = base64.b64encode(b"operator_a:password-123").decode()
    response = client.get(LIST, HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert ids(response) == [conversation.pk]


def test_openapi_schema_generates(api):
    pytest.importorskip("drf_spectacular")
    response = api.get(reverse("messenger:operator-api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert "/api/messenger/conversations/" in paths
    assert "/api/messenger/conversations/{id}/reply/" in paths
    assert "/api/widget/bootstrap/" not in paths
    parameters = {
        parameter["name"]
        for parameter in paths["/api/messenger/conversations/"]["get"]["parameters"]
    }
    assert {"status", "inbox", "assignee", "q", "cursor", "page_size"} <= parameters


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "0"])
def test_odd_ids_are_404(api, pk):
    assert api.get(f"{LIST}{pk}/").status_code == 404
    assert api.post(f"{LIST}{pk}/resolve/").status_code == 404


@pytest.mark.parametrize(
    "params", [{"q": "a\x00b"}, {"inbox": "²"}, {"page_size": "²"}, {"q": "x" * 5000}]
)
def test_hostile_list_parameters_never_500(api, conversation, params):
    assert api.get(LIST, params).status_code in (200, 400)
