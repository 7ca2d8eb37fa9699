"""Cached state that lets the widget API respond without SQL.

Everything here can be rebuilt from the database: a missing or evicted key
only costs one query. Keys are prefixed with ``messenger:`` and live in the
cache named by MESSENGER_CACHE_ALIAS.

Two kinds of entries are versioned instead of being deleted on a change:

- every inbox state carries the *inbox epoch* that was current when it was
  read from the database, and any inbox change sets a new epoch;
- every conversation state carries the conversation's *version*, and any
  write to the conversation sets a new version.

A reader fetches the entry and the current epoch or version in one round
trip and ignores an entry made under an older one. So a reader that loaded
the database just before a change committed can never leave stale state
behind, which plain deletion would allow.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from . import redis_connections
from .conf import messenger_settings

logger = logging.getLogger(__name__)

INBOX_STATE_TTL = 300
UNKNOWN_INBOX_TTL = 30
# A conversation's cached state lives at most this long. It bounds how long
# a change made while the cache was unreachable can stay hidden from polls
# in processes that did not see the failure (see ``pending``).
CONVERSATION_STATE_TTL = 600
INBOX_EPOCH_KEY = "messenger:inbox-epoch"
ALLOWED_SITES_KEY = "messenger:allowed-sites"
HONEYPOT_COUNT_KEY = "messenger:honeypot-count"

CACHE_ERROR_MODULES = ("redis", "django_redis", "pymemcache", "pylibmc", "memcache")


def get_cache() -> BaseCache:
    return caches[messenger_settings.CACHE_ALIAS]


def is_cache_failure(exc: BaseException) -> bool:
    """Return True for an error raised by an unreachable or failing cache server."""
    module = type(exc).__module__.split(".")[0]
    return module in CACHE_ERROR_MODULES or isinstance(exc, ConnectionError | TimeoutError)


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored in the cache."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_version() -> str:
    return uuid.uuid4().hex


# Invalidations that failed because the cache was unreachable. They are
# retried by this process before its next cache read, so a cache that comes
# back with its old data does not keep serving the state they should have
# replaced.
class _PendingInvalidations:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.conversations: set[int] = set()
        self.inbox_epoch = False

    def __bool__(self) -> bool:
        return self.inbox_epoch or bool(self.conversations)

    def flush(self) -> None:
        with self.lock:
            conversation_ids = sorted(self.conversations)
            inbox_epoch = self.inbox_epoch
            self.conversations.clear()
            self.inbox_epoch = False
        versions = {conversation_version_key(pk): new_version() for pk in conversation_ids}
        try:
            cache = get_cache()
            if versions:
                cache.set_many(versions, CONVERSATION_STATE_TTL)
            if inbox_epoch:
                cache.set(INBOX_EPOCH_KEY, new_version(), None)
        except Exception as exc:
            if not is_cache_failure(exc):
                raise
            with self.lock:
                self.conversations.update(conversation_ids)
                self.inbox_epoch = self.inbox_epoch or inbox_epoch
            raise
        logger.info(
            "Retried cache invalidations: %d conversations, inbox epoch %s",
            len(conversation_ids),
            inbox_epoch,
        )


pending = _PendingInvalidations()


def flush_pending_invalidations() -> None:
    """Retry invalidations that failed earlier; a cache failure propagates to the caller."""
    if pending:
        pending.flush()


# Inboxes ------------------------------------------------------------------


def inbox_state_key(widget_token: str) -> str:
    return f"messenger:inbox:{token_digest(widget_token)}"


def inbox_state(inbox: Any, epoch: str | None = None) -> dict[str, Any]:
    """Return the cached form of an inbox: all the widget API needs to know of it."""
    return {
        "epoch": epoch,
        "id": inbox.pk,
        "branch_id": inbox.branch_id,
        "is_active": inbox.is_active,
        "generation": inbox.session_generation,
        "token_digest": token_digest(inbox.widget_token)[:16],
        "allowed_sites": list(inbox.allowed_sites or []),
        "title": inbox.widget_title or inbox.name,
        "greeting": inbox.widget_greeting,
        "color": inbox.widget_color,
        "locale": inbox.widget_locale,
        "fields": inbox.field_modes(),
    }


def current_inbox_epoch(found: str | None = None) -> str | None:
    """Return the inbox epoch, creating one if the cache has none (``found`` saves a read)."""
    if found is not None:
        return found
    cache = get_cache()
    cache.add(INBOX_EPOCH_KEY, new_version(), None)
    epoch: str | None = cache.get(INBOX_EPOCH_KEY)
    return epoch


def forget_inbox(*widget_tokens: str | None) -> None:
    """Invalidate the cached state of every inbox; call after the change is committed.

    A new epoch makes every cached inbox state stale at once, so the next
    request for any token reloads its inbox. Deleting the given tokens' keys
    as well frees the memory of a replaced token at once. A cache failure is
    logged and retried later instead of failing the caller's request, whose
    change is already stored.
    """
    keys = [inbox_state_key(token) for token in widget_tokens if token]
    keys.append(ALLOWED_SITES_KEY)
    try:
        flush_pending_invalidations()
        cache = get_cache()
        cache.set(INBOX_EPOCH_KEY, new_version(), None)
        cache.delete_many(keys)
    except Exception as exc:
        if not is_cache_failure(exc):
            raise
        with pending.lock:
            pending.inbox_epoch = True
        logger.error(
            "Could not invalidate the cached inbox state: %s: %s; will retry",
            type(exc).__name__,
            exc,
        )


# Conversations ------------------------------------------------------------


def conversation_version_key(conversation_id: int) -> str:
    return f"messenger:conv:{conversation_id}:version"


def conversation_state_key(conversation_id: int) -> str:
    return f"messenger:conv:{conversation_id}:state"


def bump_conversation(
    conversation_id: int, panel_keys: tuple[str, ...] = (), panel_timeout: int = 0
) -> None:
    """Mark a conversation's cached state stale; call after the change is committed.

    A fresh random version, rather than a counter or the new message id,
    means that concurrent writers never have to agree on an order: any state
    cached under an older version is ignored. ``panel_keys`` get a new
    version in the same round trip, for a change that the operator panels
    must notice too. A cache failure is logged and the conversation's bump
    retried later instead of failing the caller, whose change is already
    stored in the database.
    """
    entries = [(conversation_version_key(conversation_id), new_version(), CONVERSATION_STATE_TTL)]
    if panel_keys:
        panel_version = new_version()
        entries.extend((key, panel_version, panel_timeout) for key in panel_keys)
    try:
        flush_pending_invalidations()
        set_with_timeouts(entries)
    except Exception as exc:
        if not is_cache_failure(exc):
            raise
        with pending.lock:
            pending.conversations.add(conversation_id)
        logger.error(
            "Could not invalidate the cached state of conversation %s: %s: %s; will retry",
            conversation_id,
            type(exc).__name__,
            exc,
        )


def conversation_state_keys(conversation_id: int) -> list[str]:
    return [conversation_version_key(conversation_id), conversation_state_key(conversation_id)]


def conversation_state_from(
    conversation_id: int, found: dict[str, Any]
) -> tuple[str | None, dict[str, Any] | None]:
    """Return (version, state) from values fetched with ``conversation_state_keys``.

    A version is created when missing, before the caller reads the database,
    so a write that lands during the read always leaves a newer version.
    """
    version_key, state_key = conversation_state_keys(conversation_id)
    version = found.get(version_key)
    state = found.get(state_key)
    if version is None:
        cache = get_cache()
        cache.add(version_key, new_version(), CONVERSATION_STATE_TTL)
        return cache.get(version_key), None
    if not isinstance(state, dict) or state.get("version") != version:
        return version, None
    return version, state


def read_conversation_state(conversation_id: int) -> tuple[str | None, dict[str, Any] | None]:
    """Return the current version and the cached state, if it matches that version."""
    found = get_cache().get_many(conversation_state_keys(conversation_id))
    return conversation_state_from(conversation_id, found)


def store_conversation_state(
    conversation_id: int, version: str | None, last_message_id: int, status: str
) -> None:
    if version is None:
        return
    get_cache().set(
        conversation_state_key(conversation_id),
        {"version": version, "last_message_id": last_message_id, "status": status},
        CONVERSATION_STATE_TTL,
    )


def forget_conversations(conversation_ids: list[int]) -> None:
    """Drop the cached state of deleted conversations; a cache failure is only logged."""
    keys = [key for pk in conversation_ids for key in conversation_state_keys(pk)]
    if not keys:
        return
    try:
        get_cache().delete_many(keys)
    except Exception as exc:
        if not is_cache_failure(exc):
            raise
        logger.error("Could not drop cached conversation state: %s", type(exc).__name__)


# Counters and batched round trips -----------------------------------------


def increment_counter(key: str, timeout: int) -> int:
    """Add one to a counter in the cache, creating it with ``timeout``, and return it."""
    cache = get_cache()
    try:
        return cache.incr(key)
    except ValueError:
        pass
    # The counter's first use, or it has just expired.
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout)
        return 1


class RedisAccess(NamedTuple):
    client: Any
    make_key: Callable[[str], Any]
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


_class_paths: dict[type, str] = {}


def _class_path(cls: type) -> str:
    path = _class_paths.get(cls)
    if path is None:
        path = _class_paths[cls] = f"{cls.__module__}.{cls.__qualname__}"
    return path


def _redis_access(cache: BaseCache) -> RedisAccess | None:
    """Return the raw client and key and value codecs of a cache on one Redis server, else None.

    Only Django's own RedisCache with a single server and django-redis's
    DefaultClient are recognised: their integers are stored unpickled, so a
    raw INCR and the cache API's ``incr``/``get`` agree on the counters.
    """
    backend = _class_path(type(cache))
    # Both backends keep their clients in private attributes without type hints.
    redis_cache: Any = cache
    if backend == "django_redis.cache.RedisCache":
        client = redis_cache.client
        if _class_path(type(client)) != "django_redis.client.default.DefaultClient":
            return None
        decode = client.decode
        if (
            _class_path(type(client._serializer))
            == "django_redis.serializers.pickle.PickleSerializer"
            and _class_path(type(client._compressor))
            == "django_redis.compressors.identity.IdentityCompressor"
        ):
            decode = _decode_int_or_pickle
        return RedisAccess(client.get_client(write=True), client.make_key, client.encode, decode)
    if backend == "django.core.cache.backends.redis.RedisCache":
        redis_client = redis_cache._cache
        if len(redis_client._servers) != 1:
            return None
        serializer = redis_client._serializer
        decode = serializer.loads
        if _class_path(type(serializer)) == "django.core.cache.backends.redis.RedisSerializer":
            decode = _decode_int_or_pickle
        return RedisAccess(
            redis_client.get_client(write=True), cache.make_key, serializer.dumps, decode
        )
    return None


# The first byte of a stored integer; a pickle starts with b"\x80".
_INTEGER_START = frozenset(b"-0123456789")


def _decode_int_or_pickle(raw: bytes) -> Any:
    """Decode a value stored by either backend's default serializer: digits or a pickle.

    Their own decoders try int() first, and for a pickle the failed int()
    builds an error message from the whole value, which costs more than
    reading the pickle. Each widget request decodes up to five values.
    """
    if raw[:1] and raw[0] in _INTEGER_START:
        return int(raw)
    return pickle.loads(raw)  # noqa: S301


def set_with_timeouts(entries: list[tuple[str, Any, int]]) -> None:
    """Store ``(key, value, timeout)`` entries in one round trip on Redis, one by one elsewhere."""
    cache = get_cache()
    redis = _redis_access(cache)
    if redis is None:
        for key, value, timeout in entries:
            cache.set(key, value, timeout)
        return
    pipeline = redis.client.pipeline(transaction=False)
    for key, value, timeout in entries:
        pipeline.set(redis.make_key(key), redis.encode(value), ex=timeout)
    pipeline.execute()


@dataclass(frozen=True)
class CountedRequest:
    """The rate-limit counts and cached values already fetched for one request.

    The widget API's fast path stores one on the request before it hands an
    unusual request to the full view, so the request is not counted twice.
    """

    counters: list[tuple[str, int]]
    counts: list[int]
    keys: list[str]
    found: dict[str, Any]

    def matches(self, counters: list[tuple[str, int]], keys: list[str]) -> bool:
        return self.counters == counters and self.keys == keys


def increment_and_read(
    counters: list[tuple[str, int]], keys: list[str]
) -> tuple[list[int], dict[str, Any]]:
    """Increment counters (``(key, timeout)`` pairs) and read ``keys`` in one round trip.

    On Redis this is one script call (or one pipeline where scripts are
    rejected), which lets an idle poll check both rate limits and read all of
    its state with a single request to the cache.
    Other backends fall back to one ``incr`` per counter and one
    ``get_many``. Returns the new counts, in order, and the keys found.
    """
    flush_pending_invalidations()
    cache = get_cache()
    redis = _redis_access(cache)
    if redis is None:
        counts = [increment_counter(key, timeout) for key, timeout in counters]
        return counts, (cache.get_many(keys) if keys else {})

    make_key, decode = redis.make_key, redis.decode
    full_keys = [make_key(key) for key, _timeout in counters]
    full_keys.extend(make_key(key) for key in keys)
    timeouts = [timeout for _key, timeout in counters]
    results = _run_script(redis.client, full_keys, [len(counters), *timeouts])
    if results is None:
        results = _run_pipeline(redis.client, full_keys, timeouts)

    counts = [int(count) for count in results[: len(counters)]]
    found: dict[str, Any] = {}
    if keys:
        for key, raw in zip(keys, results[-1], strict=True):
            if raw is not None:
                found[key] = decode(raw)
    return counts, found


# One script runs as one command, which costs the client less than a
# pipeline of five. A script runs without interruption, so the first INCR of
# a window and the EXPIRE that gives its counter a timeout cannot be parted.
# The window's key is only used during that window, long before it expires.
INCREMENT_AND_READ_SCRIPT = """
local counters = tonumber(ARGV[1])
local result = {}
for i = 1, counters do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then
    redis.call('EXPIRE', KEYS[i], ARGV[i + 1])
  end
  result[i] = count
end
if #KEYS > counters then
  result[counters + 1] = redis.call('MGET', unpack(KEYS, counters + 1))
end
return result
"""
INCREMENT_AND_READ_SHA = hashlib.sha1(INCREMENT_AND_READ_SCRIPT.encode()).hexdigest()  # noqa: S324


class _ScriptSupport:
    # Cleared for the process when the server rejects scripts, because some
    # hosted Redis services and proxies disable EVAL.
    enabled = True


def _run_script(client: Any, full_keys: list[str], args: list[int]) -> list[Any] | None:
    """Run the counting script; return None if this Redis server does not run scripts."""
    if not _ScriptSupport.enabled:
        return None
    from redis.exceptions import NoScriptError, ResponseError

    try:
        try:
            return list(
                redis_connections.call(
                    client, "EVALSHA", INCREMENT_AND_READ_SHA, len(full_keys), *full_keys, *args
                )
            )
        except NoScriptError:
            # The first call on this server, or after SCRIPT FLUSH: EVAL loads it.
            return list(
                redis_connections.call(
                    client, "EVAL", INCREMENT_AND_READ_SCRIPT, len(full_keys), *full_keys, *args
                )
            )
    except ResponseError as exc:
        if not _rejects_scripts(exc):
            # Other errors (out of memory, a busy server) are failures like
            # any other, and the widget API responds to them with 503.
            raise
        logger.warning(
            "Redis rejected the rate-limit script (%s); counting with a pipeline instead", exc
        )
        _ScriptSupport.enabled = False
        return None


def _rejects_scripts(exc: Exception) -> bool:
    """Return True for the error of a server that does not allow EVAL and EVALSHA."""
    from redis.exceptions import NoPermissionError

    # The client turns a "NOPERM" reply (an account without script rights)
    # into NoPermissionError and drops the word from the message.
    if isinstance(exc, NoPermissionError):
        return True
    message = str(exc).lower()
    return "unknown command" in message or "noperm" in message or "disabled" in message


def _run_pipeline(client: Any, full_keys: list[str], timeouts: list[int]) -> list[Any]:
    """Do what the script does with a pipeline: one round trip, more commands."""
    pipeline = client.pipeline(transaction=False)
    for full_key, timeout in zip(full_keys, timeouts, strict=False):
        pipeline.set(full_key, 0, ex=timeout, nx=True)
        pipeline.incr(full_key)
    reads = full_keys[len(timeouts) :]
    if reads:
        pipeline.mget(reads)
    results = pipeline.execute()
    counts = [results[2 * index + 1] for index in range(len(timeouts))]
    return [*counts, results[-1]] if reads else counts


# Honeypot -----------------------------------------------------------------


def count_honeypot() -> None:
    """Add one to the number of requests dropped because their honeypot was filled."""
    cache = get_cache()
    if not cache.add(HONEYPOT_COUNT_KEY, 1, None):
        try:
            cache.incr(HONEYPOT_COUNT_KEY)
        except ValueError:
            cache.add(HONEYPOT_COUNT_KEY, 1, None)


def honeypot_count() -> int:
    """Return how many widget requests were dropped for a filled honeypot since the cache began."""
    return int(get_cache().get(HONEYPOT_COUNT_KEY) or 0)
