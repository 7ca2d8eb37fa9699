"""Settings for benchmarking the example CRM: production-like, with the baseline views added.

Everything comes from the example CRM's settings. This module only points the
URLs at a list that adds the baseline views, always uses Redis, and raises the
widget rate limits so that the load never gets a 429.
"""

import os

from crm.settings import *  # noqa: F403

DEBUG = env_flag("DEBUG", False)  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench_project.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench_project"]  # noqa: F405

# The widget API keeps its state in the shared cache, so the benchmark
# measures it on Redis whatever the value of DEBUG.
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        # Servers on the two panel databases share the Redis db but not keys.
        "KEY_PREFIX": os.environ.get("BENCH_CACHE_PREFIX", ""),
    }
}

MESSENGER_ENABLED = True
MESSENGER_THROTTLE_RATES = {
    "bootstrap_ip": "100000000/min",
    "bootstrap_inbox": "100000000/min",
    "widget_ip": "100000000/min",
    "widget_inbox": "100000000/min",
}

# One line per started session and stored message is what production logs
# too, but on a terminal it would slow the server down, so it goes to a file.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "file": {
            "class": "logging.FileHandler",
            "filename": os.environ.get("BENCH_LOG_FILE", os.devnull),
        }
    },
    "loggers": {"django_crm_messenger": {"handlers": ["file"], "level": "INFO"}},
}
