"""Print server time and query count of the main pages over the current database.

A benchmark, not a test: seed a large data set first (``seed_demo --leads 100000``), then

    manage.py bench_pages --user juzhang --repeat 5

Each page is requested ``--repeat`` times in-process (Django's test client, no network) after
one warm-up request; the median and the worst time are printed with the query count.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.models import User
from leads.models import Lead

DEFAULT_PATHS = (
    "/",
    "/leads/",
    "/leads/?overdue=true",
    "/leads/?q=米业&ordering=-planned_investment",
    "/leads/?stage=dock&page=3",
    "/leads/pipeline/",
    "/projects/board/",
    "/projects/",
    "/reminders/",
    "/api/v1/leads/?stage=screen",
)


class Command(BaseCommand):
    help = "Time the main pages and count their queries over the current database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", default="juzhang", help="username to request pages as")
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("paths", nargs="*", help="paths to request (default: main pages)")

    def handle(self, *args, **options) -> None:
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"no user {options['user']!r}: run seed_demo first") from None
        client = Client()
        client.force_login(user)
        paths = list(options["paths"] or DEFAULT_PATHS)
        lead = Lead.objects.filter(stage=Lead.Stage.DOCK).order_by("id").first()
        if lead and not options["paths"]:
            paths.insert(2, lead.get_absolute_url())
        self.stdout.write(
            f"{Lead.objects.count():,} leads; as {user.username} ({user.get_role_display()}); "
            f"{options['repeat']} requests per page after a warm-up"
        )
        header = f"{'path':48} {'status':>6} {'queries':>7} {'median ms':>9} {'max ms':>7}"
        self.stdout.write(header)
        for path in paths:
            client.get(path)
            timings = []
            for _ in range(options["repeat"]):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - started) * 1000)
            self.stdout.write(
                f"{path:48} {response.status_code:>6} {len(queries):>7} "
                f"{statistics.median(timings):>9.1f} {max(timings):>7.1f}"
            )
