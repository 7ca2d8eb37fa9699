"""Load the example CRM's demo data; running it again changes nothing but the passwords."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from crm.models import Branch
from django_crm_messenger.embed import embed_snippet
from django_crm_messenger.models import Inbox, RoutingRule

DEMO_SITE = "http://localhost:8001"

SITE_PAGE = """<!DOCTYPE html>
<html lang="ru">
<head>
  <meta charset="utf-8">
  <title>Магазин — пример сайта клиента</title>
</head>
<body>
  <h1>Магазин — пример сайта клиента</h1>
  <p>Эта страница открыта с другого адреса ({site}), чем CRM ({crm}).
  Чат в углу страницы подключён кодом вставки из настроек Inbox «{inbox}».</p>
  {snippet}
</body>
</html>
"""

USERS = [
    # username, password, branch city or None, superuser, display name
    ("admin", "admin-demo-2026", None, True, "Ирина Админова"),
    ("operator_moscow", "moscow-demo-2026", "Москва", False, "Мария Иванова"),
    ("operator_kazan", "kazan-demo-2026", "Казань", False, "Алексей Сафин"),
]


class Command(BaseCommand):
    help = "Create demo branches, users (passwords are printed) and one active inbox per branch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--site-dir",
            type=Path,
            help="Also write index.html of a customer website that embeds the widget into this "
            f"folder, for serving at {DEMO_SITE}.",
        )
        parser.add_argument(
            "--crm-url",
            default="http://127.0.0.1:8000",
            help="The CRM's address that the customer website's embed code points to.",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        branches = {}
        for city, name in (("Москва", "Филиал «Москва»"), ("Казань", "Филиал «Казань»")):
            branches[city], _ = Branch.objects.get_or_create(city=city, defaults={"name": name})

        moscow_inbox = Inbox.objects.filter(branch=branches["Москва"]).order_by("id").first()
        if moscow_inbox is None:
            moscow_inbox = Inbox.objects.create(
                name="Сайт магазина",
                branch=branches["Москва"],
                widget_title="Чат с магазином",
                widget_greeting="Здравствуйте! Чем помочь?",
                allowed_sites=[DEMO_SITE],
            )
        kazan_inbox = Inbox.objects.filter(branch=branches["Казань"]).order_by("id").first()
        if kazan_inbox is None:
            kazan_inbox = Inbox.objects.create(
                name="Сайт магазина (Казань)",
                branch=branches["Казань"],
                widget_title="Чат с магазином",
                widget_greeting="Здравствуйте! Чем помочь?",
                allowed_sites=[DEMO_SITE],
            )
        RoutingRule.objects.get_or_create(
            region="Казань", inbox=kazan_inbox, defaults={"priority": 10}
        )

        user_model = get_user_model()
        self.stdout.write("Demo users (username / password):")
        for username, password, city, is_superuser, full_name in USERS:
            user, _ = user_model.objects.get_or_create(username=username)
            # Visitors see an operator's full name on replies, not the login.
            user.first_name, _space, user.last_name = full_name.partition(" ")
            user.branch = branches[city] if city else None
            user.is_staff = is_superuser
            user.is_superuser = is_superuser
            user.set_password(password)
            user.save()
            branch_label = city or "all branches"
            self.stdout.write(f"  {username} / {password}  ({branch_label})")

        self.stdout.write(f"Inbox «{moscow_inbox.name}», widget token: {moscow_inbox.widget_token}")
        self.stdout.write(f"Widget demo: /widget-demo/?token={moscow_inbox.widget_token}")

        if options["site_dir"]:
            self.write_site(options["site_dir"], moscow_inbox, options["crm_url"].rstrip("/"))

    def write_site(self, site_dir: Path, inbox: Inbox, crm_url: str) -> None:
        site_dir.mkdir(parents=True, exist_ok=True)
        page = SITE_PAGE.format(
            site=DEMO_SITE, crm=crm_url, inbox=inbox.name, snippet=embed_snippet(inbox, crm_url)
        )
        (site_dir / "index.html").write_text(page, encoding="utf-8")
        self.stdout.write(f"Customer website with the widget: {DEMO_SITE}/")
