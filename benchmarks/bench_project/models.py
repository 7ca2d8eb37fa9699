from django.db import models


class BenchRow(models.Model):
    """A row the insert baseline writes, kept apart from the messenger's tables.

    Writing into ``messenger_contact`` instead would grow the table that a
    new bootstrap searches, and slow that scenario down as the run goes on.
    """

    branch_id = models.BigIntegerField()
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["branch_id", "email"], name="bench_row_email_idx")]
