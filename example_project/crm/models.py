from django.contrib.auth.models import AbstractUser
from django.db import models

from django_crm_messenger.models import AbstractBranch


class Branch(AbstractBranch):
    """A branch (филиал) of the example CRM, used as MESSENGER_BRANCH_MODEL."""

    city = models.CharField(max_length=100, blank=True)


class User(AbstractUser):
    """A CRM user who works in one branch; the messenger reads ``branch``."""

    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.SET_NULL)
