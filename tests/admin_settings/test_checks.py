import pytest
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_crm_messenger import checks

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def run_all() -> list[str]:
    found = []
    for check in checks.MESSENGER_CHECKS:
        found.extend(check(app_configs=None))
    return ids(found)


def test_clean_settings_pass():
    assert run_all() == []


@override_settings(CACHES=LOCAL_CACHE, DEBUG=False)
def test_w001_local_cache_without_debug():
    messages = checks.check_shared_cache()

    assert ids(messages) == ["messenger.W001"]
    assert isinstance(messages[0], Warning)
    assert messages[0].hint


@override_settings(CACHES=LOCAL_CACHE, DEBUG=True)
def test_w001_silent_in_debug():
    assert checks.check_shared_cache() == []


def test_e004_rest_framework_missing(settings):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "rest_framework"]

    messages = checks.check_rest_framework()

    assert ids(messages) == ["messenger.E004"]
    assert "INSTALLED_APPS" in messages[0].hint


@override_settings(MESSENGER_THROTTLE_RATES="20/min")
def test_e005_throttle_rates_not_dict():
    assert ids(checks.check_throttle_rates()) == ["messenger.E005"]


@pytest.mark.parametrize(
    "rate", ["20", "twenty/min", "20/fortnight", "20/min/extra", 20, "/min", "-1/min"]
)
def test_e006_unparsable_rate(rate):
    with override_settings(MESSENGER_THROTTLE_RATES={"bootstrap_ip": rate}):
        messages = checks.check_throttle_rates()

    assert ids(messages) == ["messenger.E006"]
    assert isinstance(messages[0], Error)
    assert "bootstrap_ip" in messages[0].msg


@pytest.mark.parametrize("rate", ["20/min", "5/s", "100/hour", "1000/day", None])
def test_valid_rates_pass(rate):
    with override_settings(MESSENGER_THROTTLE_RATES={"widget_ip": rate}):
        assert checks.check_throttle_rates() == []


@override_settings(MESSENGER_THROTTLE_RATES={"bootstrap_ips": "20/min"})
def test_w002_unknown_throttle_key():
    messages = checks.check_throttle_rates()

    assert ids(messages) == ["messenger.W002"]
    assert "bootstrap_ip" in messages[0].hint


@pytest.mark.parametrize("value", [-1, "2", 1.5, None, True])
def test_e007_bad_proxy_count(value):
    with override_settings(MESSENGER_TRUSTED_PROXY_COUNT=value):
        assert ids(checks.check_numbers()) == ["messenger.E007"]


@override_settings(MESSENGER_TRUSTED_PROXY_COUNT=2)
def test_proxy_count_valid():
    assert checks.check_numbers() == []


@pytest.mark.parametrize("name", sorted(checks.INTEGER_SETTINGS))
def test_e008_non_positive_numbers(name):
    with override_settings(**{f"MESSENGER_{name}": 0}):
        messages = checks.check_numbers()

    assert ids(messages) == ["messenger.E008"]
    assert f"MESSENGER_{name}" in messages[0].msg


@pytest.mark.parametrize(
    "url",
    [
        "crm.example.com",
        "/crm",
        "ftp://crm.example.com",
        "https://",
        "https://crm.example.com/?a=1",
    ],
)
def test_e009_public_base_url_not_absolute(url):
    with override_settings(MESSENGER_PUBLIC_BASE_URL=url):
        assert ids(checks.check_origins()) == ["messenger.E009"]


@pytest.mark.parametrize(
    "url", ["", "https://crm.example.com", "https://crm.example.com/crm", "http://127.0.0.1:8000"]
)
def test_public_base_url_valid(url):
    with override_settings(MESSENGER_PUBLIC_BASE_URL=url):
        assert checks.check_origins() == []


@override_settings(MESSENGER_CRM_ORIGINS=["https://crm.example.com", "crm.example.com/path", 7])
def test_e010_bad_crm_origins():
    assert ids(checks.check_origins()) == ["messenger.E010", "messenger.E010"]


@override_settings(MESSENGER_PUBLIC_BASE_URL="http://crm.example.com", DEBUG=False)
def test_w003_http_base_url_in_production():
    messages = checks.check_public_base_url_https()

    assert ids(messages) == ["messenger.W003"]
    assert "https://" in messages[0].hint


@override_settings(MESSENGER_PUBLIC_BASE_URL="http://crm.example.com", DEBUG=True)
def test_w003_silent_in_debug():
    assert checks.check_public_base_url_https() == []


@override_settings(MESSENGER_PUBLIC_BASE_URL="https://crm.example.com")
def test_w003_https_passes():
    assert checks.check_public_base_url_https() == []


def test_check_ids_unique():
    seen = []
    with override_settings(
        CACHES=LOCAL_CACHE,
        MESSENGER_THROTTLE_RATES={"nope": "1/min", "widget_ip": "x"},
        MESSENGER_TRUSTED_PROXY_COUNT=-1,
        MESSENGER_POLL_PAGE_SIZE=0,
        MESSENGER_PUBLIC_BASE_URL="crm",
        MESSENGER_CRM_ORIGINS=["bad/path"],
    ):
        seen = run_all()

    assert sorted(seen) == [
        "messenger.E006",
        "messenger.E007",
        "messenger.E008",
        "messenger.E009",
        "messenger.E010",
        "messenger.W001",
        "messenger.W002",
    ]


@pytest.mark.django_db
def test_deploy_check_command_reports_ids():
    with override_settings(MESSENGER_PUBLIC_BASE_URL="http://crm.example.com", CACHES=LOCAL_CACHE):
        with pytest.raises(SystemCheckError) as error:
            call_command("check", "--deploy", "--fail-level", "WARNING")

    assert "messenger.W001" in str(error.value)
    assert "messenger.W003" in str(error.value)


@pytest.mark.django_db
def test_check_command_fails_on_errors():
    with override_settings(MESSENGER_TRUSTED_PROXY_COUNT=-1):
        with pytest.raises(SystemCheckError) as error:
            call_command("check")

    assert "messenger.E007" in str(error.value)
