"""One Redis connection per thread for the command that every widget request sends.

Every widget request runs one script on Redis (``state.increment_and_read``).
Sent through ``Redis.execute_command``, the command costs the worker more
CPU than the round trip itself. The client checks the process id when it
takes a connection from the pool and again when it returns it. It also polls
the socket for unread data and records metrics. Instead, each thread here
keeps one connection from the pool and sends the command on it directly.

- A connection that fails during a command is closed, so no later command
  can read a reply that was meant for an earlier one. After a broken
  connection the command is sent once more on a new one, as the client's
  own retry would.
- The connection goes back to the pool when its thread ends, so servers that
  start a thread per request do not leak connections.
- A forked child process drops the connections it inherited, because the
  parent still uses their sockets.
"""

from __future__ import annotations

import os
import threading
from typing import Any

# A process normally uses one pool. Tests that override CACHES create new
# ones, so a thread keeps connections of the most recent few only.
MAX_POOLS_PER_THREAD = 4


class _PooledConnection:
    """A connection taken from ``pool``, given back when this object is collected."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.pid = os.getpid()
        self.connection = pool.get_connection()

    def __del__(self) -> None:
        # The copy in a forked child shares its socket with the parent, so
        # only the process that took the connection gives it back.
        try:
            if self.pid == os.getpid():
                self.pool.release(self.connection)
        except Exception:  # noqa: S110
            # At interpreter exit the pool may be half torn down; the
            # process's sockets close with it anyway.
            pass


class _ThreadConnections(threading.local):
    def __init__(self) -> None:
        # Keyed by the pool's id; each entry keeps its pool alive, so the id is not reused.
        self.by_pool: dict[int, _PooledConnection] = {}


_threads = _ThreadConnections()


def _forget_inherited() -> None:
    global _threads
    _threads = _ThreadConnections()


os.register_at_fork(after_in_child=_forget_inherited)


def call(client: Any, *command: Any) -> Any:
    """Send ``command`` with ``client``'s connection pool and return the reply, unparsed."""
    from redis.exceptions import ConnectionError, ResponseError, TimeoutError

    pool = client.connection_pool
    pooled_connections = _threads.by_pool
    for attempt in (1, 2):
        pooled = pooled_connections.get(id(pool))
        if pooled is None:
            if len(pooled_connections) >= MAX_POOLS_PER_THREAD:
                # Dicts keep insertion order, so this drops the oldest.
                del pooled_connections[next(iter(pooled_connections))]
            pooled = pooled_connections[id(pool)] = _PooledConnection(pool)
        connection = pooled.connection
        try:
            connection.send_command(*command)
            return connection.read_response()
        except ResponseError:
            # An error reply was read in full; the connection is in order.
            raise
        except (ConnectionError, TimeoutError):
            connection.disconnect()
            if attempt == 2:
                raise
        except BaseException:
            connection.disconnect()
            raise
    raise AssertionError("unreachable")
