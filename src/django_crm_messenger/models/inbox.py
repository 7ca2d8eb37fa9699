import secrets
from typing import Any, Self

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .immutable import ImmutableFieldsModel


def generate_widget_token() -> str:
    """Return a new public widget token (32 random bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


class FieldMode(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    OPTIONAL = "optional", _("Optional")
    REQUIRED = "required", _("Required")


color_validator = RegexValidator(
    r"^#[0-9A-Fa-f]{6}$", _("Enter a colour in the #RRGGBB form, for example #1F6FEB.")
)


class Inbox(ImmutableFieldsModel):
    """One chat widget: its branch, look, pre-chat fields and allowed sites."""

    immutable_fields = ("branch",)

    name = models.CharField(_("name"), max_length=200)
    branch = models.ForeignKey(
        settings.MESSENGER_BRANCH_MODEL,
        on_delete=models.PROTECT,
        related_name="messenger_inboxes",
        verbose_name=_("branch"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    widget_token = models.CharField(
        _("widget token"), max_length=64, unique=True, default=generate_widget_token, editable=False
    )
    token_regenerated_at = models.DateTimeField(_("token regenerated at"), null=True, blank=True)

    widget_title = models.CharField(_("title"), max_length=100, blank=True)
    widget_greeting = models.CharField(_("greeting"), max_length=500, blank=True)
    widget_color = models.CharField(
        _("colour"), max_length=7, default="#1F6FEB", validators=[color_validator]
    )
    widget_locale = models.CharField(
        _("widget language"),
        max_length=8,
        blank=True,
        choices=[("", _("Page language")), ("ru", "Русский"), ("en", "English")],
    )
    name_field = models.CharField(
        _("name field"), max_length=8, choices=FieldMode.choices, default=FieldMode.OPTIONAL
    )
    email_field = models.CharField(
        _("e-mail field"), max_length=8, choices=FieldMode.choices, default=FieldMode.OPTIONAL
    )
    phone_field = models.CharField(
        _("phone field"), max_length=8, choices=FieldMode.choices, default=FieldMode.HIDDEN
    )
    allowed_sites = models.JSONField(
        _("allowed sites"),
        default=list,
        blank=True,
        help_text=_(
            "Origins allowed to embed the widget, such as https://shop.example.com "
            "or https://*.example.com for its subdomains."
        ),
    )

    # Stored in every widget session; a change ends all of the inbox's sessions.
    session_generation = models.PositiveIntegerField(default=1, editable=False)

    last_loaded_at = models.DateTimeField(_("widget last loaded at"), null=True, blank=True)
    last_loaded_origin = models.CharField(_("widget last loaded from"), max_length=300, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # The values loaded from the database (None if deferred), set by from_db().
    _loaded_widget_token: str | None
    _loaded_is_active: bool | None

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        permissions = [("manage_messenger", _("Can manage messenger settings"))]
        indexes = [models.Index(fields=["branch", "is_active"], name="messenger_inbox_branch_idx")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Self:
        # Arguments pass through unchanged: Django 6.1 added ``fetch_mode``.
        instance = super().from_db(*args, **kwargs)
        # Kept so the cached state of a replaced token can be dropped on save.
        instance._loaded_widget_token = instance.__dict__.get("widget_token")
        instance._loaded_is_active = instance.__dict__.get("is_active")
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Deactivating ends every session, even if the inbox is reactivated later.
        if (
            not self._state.adding
            and getattr(self, "_loaded_is_active", False)
            and not self.is_active
        ):
            self.session_generation += 1
        super().save(*args, **kwargs)
        self._loaded_is_active = self.is_active

    def field_modes(self) -> dict[str, str]:
        return {"name": self.name_field, "email": self.email_field, "phone": self.phone_field}
