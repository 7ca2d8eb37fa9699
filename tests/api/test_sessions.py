import time

import pytest
from django.test import override_settings

from django_crm_messenger.services.inboxes import regenerate_widget_token, set_inbox_active
from django_crm_messenger.state import get_cache
from django_crm_messenger.utils import session_cache_key

from ..conftest import WidgetClient
from .conftest import requires_redis, start_visitor

pytestmark = pytest.mark.django_db


def test_regenerated_token_ends_all_sessions(inbox, django_capture_on_commit_callbacks):
    visitors = [start_visitor(inbox) for _ in range(3)]
    old_token = inbox.widget_token

    with django_capture_on_commit_callbacks(execute=True):
        regenerate_widget_token(inbox)

    for visitor in visitors:
        old = visitor.client.post(
            "poll", {"widget_token": old_token, "widget_session_token": visitor.token}
        )
        new = visitor.client.post(
            "poll", {"widget_token": inbox.widget_token, "widget_session_token": visitor.token}
        )
        assert old.status_code == 404
        assert new.status_code == 401
    assert inbox.widget_token != old_token
    assert start_visitor(inbox).poll().status_code == 200


def test_deactivation_ends_sessions_for_good(inbox, django_capture_on_commit_callbacks):
    visitor = start_visitor(inbox)

    with django_capture_on_commit_callbacks(execute=True):
        set_inbox_active(inbox, False)
    assert visitor.poll().status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        set_inbox_active(inbox, True)
    assert visitor.poll().status_code == 401


def test_deactivation_by_save_ends_sessions(inbox, django_capture_on_commit_callbacks):
    visitor = start_visitor(inbox)

    with django_capture_on_commit_callbacks(execute=True):
        inbox.is_active = False
        inbox.save()
        inbox.is_active = True
        inbox.save()

    assert visitor.poll().status_code == 401


def test_stale_inbox_state_never_revives_sessions(inbox, django_capture_on_commit_callbacks):
    """A reader that cached the inbox just before the change cannot keep old sessions alive."""
    from django_crm_messenger.state import INBOX_EPOCH_KEY, inbox_state, inbox_state_key

    visitor = start_visitor(inbox)
    cache = get_cache()
    old_epoch = cache.get(INBOX_EPOCH_KEY)
    stale_state = inbox_state(inbox, old_epoch)

    with django_capture_on_commit_callbacks(execute=True):
        set_inbox_active(inbox, False)
        set_inbox_active(inbox, True)
    # The slow reader now writes what it loaded before the change.
    cache.set(inbox_state_key(inbox.widget_token), stale_state, 300)

    assert visitor.poll().status_code == 401


def test_session_expiry_slides_on_use(inbox):
    with override_settings(MESSENGER_SESSION_TTL=8):
        visitor = start_visitor(inbox)
        key = session_cache_key(visitor.token)
        time.sleep(2.2)
        assert visitor.poll().status_code == 200
        ttl = get_cache().ttl(key)

    assert ttl > 6


@requires_redis
def test_tokens_stored_only_as_digests(inbox, raw_redis):
    visitor = start_visitor(inbox)
    visitor.send("Hello")
    visitor.poll()
    secrets = [
        visitor.token.encode(),
        visitor.token.split(".", 1)[1].encode(),
        inbox.widget_token.encode(),
    ]

    keys = list(raw_redis.scan_iter(count=1000))
    assert keys
    for key in keys:
        value = raw_redis.dump(key) or b""
        for secret in secrets:
            assert secret not in key
            assert secret not in value


def test_session_tokens_unique_and_long(inbox):
    tokens = {start_visitor(inbox, WidgetClient()).token for _ in range(5)}

    assert len(tokens) == 5
    assert all(len(token.split(".", 1)[1]) >= 43 for token in tokens)


def test_session_bound_to_widget_token(inbox):
    visitor = start_visitor(inbox)
    value = get_cache().get(session_cache_key(visitor.token))

    assert value["inbox_id"] == inbox.pk
    assert value["widget"]
    assert inbox.widget_token not in str(value)
