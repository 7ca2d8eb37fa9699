import logging

import pytest
from django.urls import reverse

from django_crm_messenger.models import Inbox
from django_crm_messenger.services.inboxes import update_inbox

pytestmark = pytest.mark.django_db


def edit_data(inbox: Inbox, **overrides: str) -> dict[str, str]:
    data = {
        "name": inbox.name,
        "is_active": "on" if inbox.is_active else "",
        "widget_title": inbox.widget_title,
        "widget_greeting": inbox.widget_greeting,
        "widget_color": inbox.widget_color,
        "widget_locale": inbox.widget_locale,
        "name_field": inbox.name_field,
        "email_field": inbox.email_field,
        "phone_field": inbox.phone_field,
        "allowed_sites": "\n".join(inbox.allowed_sites),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != "" or key != "is_active"}


def edit_url(inbox: Inbox) -> str:
    return reverse("messenger:settings-inbox-edit", args=[inbox.pk])


def test_overview_lists_inboxes_with_embed(
    admin_client, inbox, inbox_b, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = admin_client.get(reverse("messenger:settings-inboxes"))

    content = response.content.decode()
    assert response.status_code == 200
    assert inbox.widget_token in content
    assert inbox_b.widget_token in content
    assert "Branch A" in content
    assert "Branch B" in content
    assert f'data-widget-token="{inbox.widget_token}"' in content.replace("&quot;", '"')
    assert f"/widget-demo/?token={inbox.widget_token}" in content
    assert f'data-copy-target="embed-{inbox.pk}"' in content
    assert "messenger/settings.js" in content
    assert "<script>" not in content


def test_overview_query_count_is_constant(admin_client, branch_a, django_assert_num_queries):
    for number in range(3):
        Inbox.objects.create(name=f"Inbox {number}", branch=branch_a)
    admin_client.get(reverse("messenger:settings-inboxes"))

    with django_assert_num_queries(3):
        admin_client.get(reverse("messenger:settings-inboxes"))

    for number in range(3, 8):
        Inbox.objects.create(name=f"Inbox {number}", branch=branch_a)
    with django_assert_num_queries(3):
        admin_client.get(reverse("messenger:settings-inboxes"))


def test_create_inbox_makes_token(admin_client, branch_a, caplog):
    caplog.set_level(logging.INFO, logger="django_crm_messenger")

    response = admin_client.post(
        reverse("messenger:settings-inbox-create"),
        {"name": "  Website  ", "branch": branch_a.pk, "is_active": "on"},
    )

    inbox = Inbox.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(inbox)
    assert inbox.name == "Website"
    assert inbox.branch == branch_a
    assert inbox.is_active is True
    assert len(inbox.widget_token) >= 40
    assert any(f"Inbox {inbox.pk} created" in r.getMessage() for r in caplog.records)


def test_create_inbox_inactive(admin_client, branch_a):
    admin_client.post(
        reverse("messenger:settings-inbox-create"), {"name": "Off", "branch": branch_a.pk}
    )

    assert Inbox.objects.get().is_active is False


def test_create_inbox_errors(admin_client, branch_a):
    response = admin_client.post(
        reverse("messenger:settings-inbox-create"), {"name": "   ", "branch": "999999"}
    )

    assert response.status_code == 200
    assert Inbox.objects.count() == 0
    form = response.context["form"]
    assert "name" in form.errors
    assert "branch" in form.errors


def test_edit_saves_widget_settings(admin_client, inbox):
    response = admin_client.post(
        edit_url(inbox),
        edit_data(
            inbox,
            name="Shop main",
            widget_title="Ask us",
            widget_greeting="Hi there",
            widget_color="#a1b2c3",
            widget_locale="ru",
            name_field="required",
            email_field="hidden",
            phone_field="optional",
            allowed_sites="shop.example.com\n  https://*.example.org  \nhttp://localhost:8000/\n",
        ),
    )

    assert response.status_code == 302
    inbox.refresh_from_db()
    assert inbox.name == "Shop main"
    assert inbox.widget_title == "Ask us"
    assert inbox.widget_greeting == "Hi there"
    assert inbox.widget_color == "#A1B2C3"
    assert inbox.widget_locale == "ru"
    assert inbox.field_modes() == {"name": "required", "email": "hidden", "phone": "optional"}
    assert inbox.allowed_sites == [
        "https://shop.example.com",
        "https://*.example.org",
        "http://localhost:8000",
    ]


def test_edit_page_shows_branch_read_only(admin_client, inbox):
    response = admin_client.get(edit_url(inbox))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="inbox-branch">Branch A<' in content
    assert 'name="branch"' not in content
    assert "branch" not in response.context["form"].fields


def test_crafted_post_cannot_change_branch(admin_client, inbox, branch_b):
    response = admin_client.post(
        edit_url(inbox),
        edit_data(inbox, name="Renamed", branch=str(branch_b.pk), branch_id=str(branch_b.pk)),
    )

    assert response.status_code == 302
    inbox.refresh_from_db()
    assert inbox.name == "Renamed"
    assert inbox.branch_id != branch_b.pk
    assert inbox.branch.name == "Branch A"


def test_update_inbox_rejects_branch(inbox, branch_b):
    with pytest.raises(ValueError):
        update_inbox(inbox, branch=branch_b)

    inbox.refresh_from_db()
    assert inbox.branch.name == "Branch A"


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "123456", "#GGGGGG", ""])
def test_edit_rejects_bad_colour(admin_client, inbox, color):
    response = admin_client.post(edit_url(inbox), edit_data(inbox, widget_color=color))

    assert response.status_code == 200
    assert "widget_color" in response.context["form"].errors
    inbox.refresh_from_db()
    assert inbox.widget_color == "#1F6FEB"


def test_edit_rejects_bad_sites_by_line(admin_client, inbox):
    response = admin_client.post(
        edit_url(inbox),
        edit_data(
            inbox,
            allowed_sites="https://ok.example.com\nftp://files.example.com\nhttps://shop.example.com/path\nhttps://*.com",
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["allowed_sites"]
    assert len(errors) == 3
    assert any("ftp://files.example.com" in error for error in errors)
    assert any("https://shop.example.com/path" in error for error in errors)
    content = response.content.decode()
    assert "The settings were not saved" in content
    inbox.refresh_from_db()
    assert inbox.allowed_sites == ["https://shop.example.com"]


def test_edit_removes_duplicate_sites(admin_client, inbox):
    admin_client.post(
        edit_url(inbox),
        edit_data(inbox, allowed_sites="https://a.example.com\nhttps://A.example.com:443\n"),
    )

    inbox.refresh_from_db()
    assert inbox.allowed_sites == ["https://a.example.com"]


def test_edit_invalid_field_mode(admin_client, inbox):
    response = admin_client.post(edit_url(inbox), edit_data(inbox, phone_field="mandatory"))

    assert response.status_code == 200
    assert "phone_field" in response.context["form"].errors


def test_allowed_sites_apply_to_widget_at_once(
    admin_client, inbox, django_capture_on_commit_callbacks
):
    from tests.conftest import WidgetClient

    shop = WidgetClient(origin="https://new.example.net")
    assert shop.bootstrap(inbox).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            edit_url(inbox), edit_data(inbox, allowed_sites="https://new.example.net")
        )

    assert shop.bootstrap(inbox).status_code == 200


def test_deactivating_ends_sessions(
    admin_client, inbox, widget, django_capture_on_commit_callbacks
):
    session = widget.start(inbox)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(edit_url(inbox), edit_data(inbox, is_active=""))

    inbox.refresh_from_db()
    assert inbox.is_active is False
    response = widget.post(
        "poll", {"widget_token": inbox.widget_token, "widget_session_token": session, "after": 0}
    )
    assert response.status_code == 404


def test_regenerate_get_only_confirms(admin_client, inbox):
    old_token = inbox.widget_token

    response = admin_client.get(
        reverse("messenger:settings-inbox-regenerate-token", args=[inbox.pk])
    )

    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    inbox.refresh_from_db()
    assert inbox.widget_token == old_token


def test_regenerate_token_ends_sessions(
    admin_client, inbox, widget, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="django_crm_messenger")
    old_token = inbox.widget_token
    session = widget.start(inbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("messenger:settings-inbox-regenerate-token", args=[inbox.pk]), follow=True
        )

    inbox.refresh_from_db()
    content = response.content.decode()
    assert inbox.widget_token != old_token
    assert inbox.token_regenerated_at is not None
    assert "Every open chat of this inbox has ended" in content
    assert inbox.widget_token in content
    assert old_token not in content
    assert old_token not in caplog.text
    assert inbox.widget_token not in caplog.text

    old = widget.post(
        "poll", {"widget_token": old_token, "widget_session_token": session, "after": 0}
    )
    assert old.status_code == 404
    new = widget.post(
        "poll", {"widget_token": inbox.widget_token, "widget_session_token": session, "after": 0}
    )
    assert new.status_code == 401


def test_edit_unknown_inbox_is_404(admin_client):
    assert admin_client.get("/settings/messenger/inboxes/999999/").status_code == 404
    assert (
        admin_client.post("/settings/messenger/inboxes/999999/regenerate-token/").status_code == 404
    )


def test_pages_in_russian(admin_client, inbox):
    response = admin_client.get(reverse("messenger:settings-inboxes"), HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 200
    assert response["Content-Language"] == "ru"
