import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from django_crm_messenger.validators import validate_message_body


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_message_body_blank_rejected(body):
    with pytest.raises(ValidationError) as error:
        validate_message_body(body)
    assert error.value.code == "blank"


def test_message_body_over_limit_rejected():
    with override_settings(MESSENGER_MAX_MESSAGE_LENGTH=5):
        validate_message_body("12345")
        with pytest.raises(ValidationError) as error:
            validate_message_body("123456")
    assert error.value.code == "max_length"
    assert "6 characters" in error.value.messages[0]


def test_message_body_control_character_named():
    with pytest.raises(ValidationError) as error:
        validate_message_body("bell\x07")
    assert error.value.code == "control_character"
    assert "U+0007" in error.value.messages[0]


def test_message_body_keeps_text_as_sent():
    validate_message_body("  Привет 👋🏽\nمرحبا\tשלום  ")


@pytest.mark.django_db
def test_widget_field_error_names_character(widget, inbox):
    response = widget.bootstrap(inbox, region="Mos\x01cow")
    assert response.status_code == 400
    assert "U+0001" in response.json()["region"][0]
