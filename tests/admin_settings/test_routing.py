import pytest
from django.urls import reverse

from django_crm_messenger.models import Conversation, Inbox, RoutingRule
from django_crm_messenger.services import routing

pytestmark = pytest.mark.django_db


@pytest.fixture
def moscow(branch_b):
    return Inbox.objects.create(name="Moscow office", branch=branch_b)


def started_inbox(widget, inbox: Inbox, region: str) -> Conversation:
    response = widget.bootstrap(inbox, region=region)
    assert response.status_code == 200, response.content
    return Conversation.objects.get(pk=response.json()["conversation"]["id"])


@pytest.mark.parametrize("region", ["Москва", " москва ", "МОСКВА", "  мОсКвА  "])
def test_region_case_and_spaces_ignored(widget, inbox, moscow, region):
    rule = routing.create_rule(region="Москва", inbox=moscow)

    conversation = started_inbox(widget, inbox, region)

    assert conversation.inbox == moscow
    assert conversation.branch == moscow.branch
    assert conversation.routing_rule == rule


@pytest.mark.parametrize(
    ("rule_region", "region"), [("Орёл", "Орел"), ("Орел", "Орёл"), ("ОРЁЛ", "орел")]
)
def test_yo_matches_ye(widget, inbox, moscow, rule_region, region):
    routing.create_rule(region=rule_region, inbox=moscow)

    assert started_inbox(widget, inbox, region).inbox == moscow


def test_lowest_priority_wins(widget, inbox, inbox_b, moscow):
    routing.create_rule(region="Казань", inbox=inbox_b, priority=20)
    first = routing.create_rule(region="Казань", inbox=moscow, priority=10)

    conversation = started_inbox(widget, inbox, "Казань")

    assert conversation.inbox == moscow
    assert conversation.routing_rule == first


def test_inactive_rule_ignored(widget, inbox, inbox_b, moscow):
    routing.create_rule(region="Казань", inbox=moscow, priority=10, is_active=False)
    active = routing.create_rule(region="Казань", inbox=inbox_b, priority=20)

    conversation = started_inbox(widget, inbox, "Казань")

    assert conversation.inbox == inbox_b
    assert conversation.routing_rule == active


def test_no_rule_keeps_own_inbox(widget, inbox, moscow):
    routing.create_rule(region="Москва", inbox=moscow)

    for region in ("Самара", ""):
        conversation = started_inbox(widget, inbox, region)
        assert conversation.inbox == inbox
        assert conversation.routing_rule is None


def test_existing_conversations_never_move(widget, inbox, moscow, admin_client):
    response = widget.bootstrap(inbox, region="Москва")
    session = response.json()["widget_session_token"]
    conversation_id = response.json()["conversation"]["id"]

    admin_client.post(
        reverse("messenger:settings-routing-create"),
        {"region": "Москва", "inbox": moscow.pk, "priority": "1", "is_active": "on"},
    )
    resumed = widget.bootstrap(inbox, region="Москва", widget_session_token=session)

    assert resumed.status_code == 200
    assert resumed.json()["conversation"]["id"] == conversation_id
    conversation = Conversation.objects.get(pk=conversation_id)
    assert conversation.inbox == inbox
    assert conversation.routing_rule is None
    assert started_inbox(widget, inbox, "Москва").inbox == moscow


def test_rule_change_does_not_move_routed_conversation(widget, inbox, inbox_b, moscow):
    rule = routing.create_rule(region="Москва", inbox=moscow)
    conversation = started_inbox(widget, inbox, "Москва")

    routing.update_rule(rule, inbox=inbox_b)
    routing.set_rule_active(rule, False)
    routing.delete_rule(rule)

    conversation.refresh_from_db()
    assert conversation.inbox == moscow
    assert conversation.branch == moscow.branch
    assert conversation.routing_rule is None


def test_create_rule_through_page(admin_client, moscow):
    response = admin_client.post(
        reverse("messenger:settings-routing-create"),
        {"region": "  Нижний   Новгород ", "inbox": moscow.pk, "priority": "", "is_active": "on"},
    )

    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.region == "Нижний Новгород"
    assert rule.region_normalized == "нижний новгород"
    assert rule.inbox == moscow
    assert rule.priority == routing.PRIORITY_STEP


def test_new_rule_goes_last(admin_client, inbox, moscow):
    routing.create_rule(region="Москва", inbox=moscow, priority=70)

    admin_client.post(
        reverse("messenger:settings-routing-create"),
        {"region": "Тверь", "inbox": inbox.pk, "is_active": "on"},
    )

    assert RoutingRule.objects.get(region="Тверь").priority == 80


def test_rule_form_errors(admin_client):
    response = admin_client.post(
        reverse("messenger:settings-routing-create"),
        {"region": "   ", "inbox": "999999", "priority": "-3"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"region", "inbox", "priority"}
    assert RoutingRule.objects.count() == 0


def test_edit_rule(admin_client, inbox, moscow):
    rule = routing.create_rule(region="Москва", inbox=moscow, priority=10)

    response = admin_client.post(
        reverse("messenger:settings-routing-edit", args=[rule.pk]),
        {"region": "Санкт-Петербург", "inbox": inbox.pk, "priority": ""},
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.region == "Санкт-Петербург"
    assert rule.inbox == inbox
    assert rule.priority == 10
    assert rule.is_active is False


def test_edit_page_prefilled(admin_client, moscow):
    rule = routing.create_rule(region="Москва", inbox=moscow)

    response = admin_client.get(reverse("messenger:settings-routing-edit", args=[rule.pk]))

    assert response.status_code == 200
    assert 'value="Москва"' in response.content.decode()


def test_move_rules_up_and_down(admin_client, inbox, moscow):
    first = routing.create_rule(region="A", inbox=inbox, priority=5)
    second = routing.create_rule(region="B", inbox=inbox, priority=5)
    third = routing.create_rule(region="C", inbox=moscow, priority=7)

    def order() -> list[str]:
        return list(RoutingRule.objects.order_by("priority", "id").values_list("region", flat=True))

    admin_client.post(reverse("messenger:settings-routing-action", args=[third.pk, "up"]))
    assert order() == ["A", "C", "B"]

    admin_client.post(reverse("messenger:settings-routing-action", args=[first.pk, "down"]))
    assert order() == ["C", "A", "B"]

    response = admin_client.post(
        reverse("messenger:settings-routing-action", args=[second.pk, "down"]), follow=True
    )
    assert order() == ["C", "A", "B"]
    assert "already at that end" in response.content.decode()


def test_move_changes_which_rule_wins(admin_client, widget, inbox, inbox_b, moscow):
    routing.create_rule(region="Казань", inbox=moscow, priority=10)
    later = routing.create_rule(region="Казань", inbox=inbox_b, priority=20)

    admin_client.post(reverse("messenger:settings-routing-action", args=[later.pk, "up"]))

    assert started_inbox(widget, inbox, "Казань").inbox == inbox_b


def test_deactivate_activate_delete(admin_client, widget, inbox, moscow):
    rule = routing.create_rule(region="Москва", inbox=moscow)

    admin_client.post(reverse("messenger:settings-routing-action", args=[rule.pk, "deactivate"]))
    rule.refresh_from_db()
    assert rule.is_active is False
    assert started_inbox(widget, inbox, "Москва").inbox == inbox

    admin_client.post(reverse("messenger:settings-routing-action", args=[rule.pk, "activate"]))
    rule.refresh_from_db()
    assert rule.is_active is True
    assert started_inbox(widget, inbox, "Москва").inbox == moscow

    response = admin_client.post(
        reverse("messenger:settings-routing-action", args=[rule.pk, "delete"])
    )
    assert response.status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert started_inbox(widget, inbox, "Москва").inbox == inbox


def test_routing_list_page(admin_client, inbox, moscow, django_assert_num_queries):
    routing.create_rule(region="Москва", inbox=moscow)
    routing.create_rule(region="Орёл", inbox=inbox, is_active=False)
    admin_client.get(reverse("messenger:settings-routing"))

    with django_assert_num_queries(3):
        response = admin_client.get(reverse("messenger:settings-routing"))

    content = response.content.decode()
    assert "Москва" in content
    assert "Орёл" in content
    assert "Moscow office" in content
    assert "Branch B" in content
    assert "data-confirm=" in content
