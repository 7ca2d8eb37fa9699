"""Test settings: PostgreSQL and Redis, chosen by DATABASE_URL and REDIS_URL.

``scripts/test`` sets both. Without DATABASE_URL the suite refuses to run
unless MESSENGER_TEST_ALLOW_SQLITE=1, which the script sets only after
saying loudly that PostgreSQL was not reachable.
"""

import os

import dj_database_url

SECRET_KEY = "tests-only-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "tests.testapp",
    "django_crm_messenger",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_crm_messenger.middleware.WidgetFastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if os.environ.get("CI") == "true" and not (DATABASE_URL and os.environ.get("REDIS_URL")):
    raise RuntimeError(
        "CI=true needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL "
        "(.ci/run and tox.ini set both); the SQLite and local-memory fall-backs are for laptops."
    )
if not DATABASE_URL:
    if os.environ.get("MESSENGER_TEST_ALLOW_SQLITE") != "1":
        raise RuntimeError(
            "DATABASE_URL is not set. Run the tests with scripts/test, or set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres."
        )
    DATABASE_URL = "sqlite:///:memory:"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("MESSENGER_TEST_DB_NAME", "messenger_test")}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "messenger-tests",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "testapp.User"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MESSENGER_ENABLED = True
# The default, written out so that django-stubs sees the setting that the
# migrations and foreign keys refer to.
MESSENGER_BRANCH_MODEL = "messenger.Branch"
