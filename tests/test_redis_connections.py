"""Each thread's own Redis connection: reused, replaced when broken, returned at thread end."""

import gc
import os
import threading
import warnings

import pytest
from django.conf import settings

from django_crm_messenger import redis_connections

from .api.conftest import requires_redis

pytestmark = requires_redis


def make_client(**options):
    import redis

    url = settings.CACHES["default"]["LOCATION"]
    return redis.Redis(connection_pool=redis.ConnectionPool.from_url(url, **options))


def client_id(client) -> int:
    return redis_connections.call(client, "CLIENT", "ID")


def test_thread_reuses_its_connection():
    client = make_client()
    first = client_id(client)
    assert client_id(client) == first
    assert redis_connections.call(client, "ECHO", "hello") == b"hello"


def test_thread_returns_connection_at_exit():
    client = make_client()
    pool = client.connection_pool
    mine = client_id(client)
    ids: list[int] = []
    thread = threading.Thread(target=lambda: ids.append(client_id(client)))
    thread.start()
    thread.join()
    gc.collect()

    assert ids and ids[0] != mine
    # The thread's connection went back to the pool when the thread ended;
    # this thread still keeps its own.
    assert len(pool._available_connections) == 1
    assert len(pool._in_use_connections) == 1
    assert client_id(client) == mine


def test_thread_keeps_connections_of_few_pools():
    clients = [make_client() for _ in range(redis_connections.MAX_POOLS_PER_THREAD + 1)]
    for client in clients:
        client_id(client)
    gc.collect()

    oldest = clients[0].connection_pool
    assert len(oldest._in_use_connections) == 0
    assert len(oldest._available_connections) == 1
    for client in clients[1:]:
        assert len(client.connection_pool._in_use_connections) == 1


def test_broken_connection_is_replaced():
    client = make_client()
    admin = make_client()
    first = client_id(client)
    admin.client_kill_filter(_id=first)

    second = client_id(client)

    assert second != first


def test_error_reply_keeps_the_connection():
    from redis.exceptions import ResponseError

    client = make_client()
    client.set("messenger-test:text", "text")
    first = client_id(client)

    with pytest.raises(ResponseError):
        redis_connections.call(client, "INCR", "messenger-test:text")

    assert client_id(client) == first


def test_timed_out_reply_is_never_read():
    from redis.exceptions import TimeoutError

    client = make_client(socket_timeout=0.2)
    client.delete("messenger-test:empty")

    # The server replies to BLPOP after a second, long after the client gave up.
    with pytest.raises(TimeoutError):
        redis_connections.call(client, "BLPOP", "messenger-test:empty", 1)

    assert redis_connections.call(client, "ECHO", "after") == b"after"


def test_forked_child_opens_its_own_connection():
    client = make_client()
    parent = client_id(client)
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Forking a process with threads is safe here: the child only talks to Redis and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        try:
            os.write(write_end, str(client_id(client)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    child = int(os.read(read_end, 100))
    os.waitpid(pid, 0)
    os.close(read_end)

    assert child != parent
    assert client_id(client) == parent
