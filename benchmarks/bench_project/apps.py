from django.apps import AppConfig


class BenchProjectConfig(AppConfig):
    name = "bench_project"
    default_auto_field = "django.db.models.BigAutoField"
