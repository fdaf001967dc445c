"""``manage.py benchmark``: time the main pages, the API lists and the heavy jobs over the current
database, print the figures beside their targets and write them as JSON.

``scripts/bench.sh`` seeds a database of its own at a chosen size and runs this command on it;
it also runs on any database ``seed_demo`` has filled. It measures:

- every main page and API list, as the bureau leader (``--leader``) and as an officer
  (``--officer``), in process through Django's test client (no network): the median and p95 of
  ``--repeat`` requests after a warm-up, the queries and the size of the response;
- the same pages through gunicorn (``docs/deploy/gunicorn.conf.py`` with ``--workers`` ×
  ``--threads`` on a free port, never restarted during the run), loaded by ``--clients``
  threads for ``--duration`` seconds each, every thread with its own session and keep-alive
  connection: requests per second and p99; then the resident memory of each worker;
- the reminder scan: the day's plan, what ``send_reminders --dry-run`` lists (nothing sent);
- the lead export of every lead as the bureau leader, CSV and xlsx (``--export``), through the
  export page: time, size and peak memory;
- the import of ``--import-rows`` (10,000) rows through ``IMPORT_HOOK``, rolled back afterwards;
  "not built" when the hook does not exist.

A page whose URL does not exist yet is reported as "not built". Paths given as arguments
(``manage.py benchmark "/leads/?q=米业"``) are measured instead of the main pages, without the jobs.

These are figures, not tests: nothing fails on a slow figure, a ✗ marks a missed target. The
client threads share the machine with gunicorn, so on a small machine req/s is a lower bound.
"""

import argparse
import contextlib
import http.client
import importlib
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone, translation

from crm.access import reads_county
from crm.api import not_found as api_not_found
from crm.models import TaskForce, User
from crm.notifications.selectors import reminders_plan
from dashboard.management.commands.seed_demo import display_width, pad
from leads.models import FollowUp, Lead, LeadTransition
from projects.models import Project

# The lead import (issue 10) is measured once ``IMPORT_HOOK`` names a function
# ``(*, actor: User, rows: int) -> int`` that builds ``rows`` rows as a user's file holds them and
# imports them through the import service, returning how many it imported. It runs in a
# transaction rolled back afterwards, so the benchmark database does not grow.
IMPORT_HOOK = ("leads.imports", "benchmark_import")

GUNICORN_CONF = Path(settings.BASE_DIR) / "docs" / "deploy" / "gunicorn.conf.py"
JSON_DIR = Path(settings.BASE_DIR) / "var" / "bench"


@dataclass(frozen=True)
class Target:
    """What a figure should reach; ``None`` where the issue sets no target."""

    median_ms: float | None = None
    queries: int | None = None
    kb: float | None = None
    rps: float | None = None
    p99_ms: float | None = None
    memory_mb: float | None = None

    def text(self) -> str:
        parts = []
        if self.median_ms is not None:
            parts.append(f"≤{self.median_ms:g} ms")
        if self.queries is not None:
            parts.append(f"≤{self.queries} q")
        if self.kb is not None:
            parts.append(f"≤{self.kb:g} KB")
        if self.rps is not None:
            parts.append(f"≥{self.rps:g}/s")
        if self.p99_ms is not None:
            parts.append(f"p99 ≤{self.p99_ms:g} ms")
        if self.memory_mb is not None:
            parts.append(f"≤{self.memory_mb:g} MB")
        return ", ".join(parts)

    def met(self, row: "Row") -> bool | None:
        """Whether every measured figure with a target reaches it (``None``: nothing to judge)."""
        checks = [
            (row.median_ms, self.median_ms, True),
            (row.queries, self.queries, True),
            (row.kb, self.kb, True),
            (row.rps, self.rps, False),
            (row.p99_ms, self.p99_ms, True),
            (row.memory_mb, self.memory_mb, True),
        ]
        judged = [
            value <= limit if at_most else value >= limit
            for value, limit, at_most in checks
            if value is not None and limit is not None
        ]
        return all(judged) if judged else None


NO_TARGET = Target()


@dataclass(frozen=True)
class Page:
    """One page or API list: a stable key, its label, and where it is.

    ``url_name`` (reversed, with ``query`` appended), a fixed ``path``, or ``detail`` (a function
    giving the path of a record the user may see, or ``None`` when they see none).
    """

    key: str
    label: str
    kind: str = "page"
    path: str = ""
    url_name: str = ""
    query: str = ""
    detail: Callable[[User], str | None] | None = None
    target: Target = NO_TARGET


def lead_detail_path(user: User) -> str | None:
    """A docking lead the user may see: the stage with the longest history."""
    lead = Lead.objects.visible_to(user).filter(stage=Lead.Stage.DOCK).order_by("id").first()
    return lead.get_absolute_url() if lead else None


def project_detail_path(user: User) -> str | None:
    project = Project.objects.visible_to(user).filter(lead__isnull=False).order_by("id").first()
    return project.get_absolute_url() if project else None


PAGES: tuple[Page, ...] = (
    Page("work", "work page", url_name="dashboard:my_work", target=Target(median_ms=30)),
    Page(
        "lead_list",
        "lead list, page 1",
        path="/leads/",
        target=Target(median_ms=12, queries=8, rps=180),
    ),
    Page("lead_list_filter", "lead list, one filter", path="/leads/?stage=dock", target=Target(15)),
    Page("lead_list_overdue", "lead list, overdue", path="/leads/?overdue=true"),
    Page(
        "lead_list_sorted",
        "lead list, by investment, page 5",
        path="/leads/?ordering=-planned_investment&page=5",
    ),
    Page("lead_search", "lead search, 3+ chars", path="/leads/?q=米业有限", target=Target(20)),
    Page("lead_search_2", "lead search, 2 Chinese chars", path="/leads/?q=米业", target=Target(25)),
    Page(
        "lead_detail",
        "lead detail",
        detail=lead_detail_path,
        target=Target(median_ms=10, rps=300),
    ),
    Page("pipeline", "pipeline", path="/leads/pipeline/", target=Target(median_ms=40, kb=80)),
    Page("approvals", "approvals queue", path="/leads/approvals/"),
    Page("targets", "target enterprises", path="/leads/targets/"),
    Page("board", "project board", path="/projects/board/", target=Target(40)),
    Page("project_list", "project list", path="/projects/"),
    Page("project_detail", "project detail", detail=project_detail_path),
    Page("support_list", "support applications", path="/projects/support/"),
    Page("reminders", "my reminders", path="/reminders/"),
    Page("team", "team view", url_name="dashboard:team"),
    Page("cockpit", "cockpit", url_name="dashboard:cockpit", target=Target(100)),
    Page("atlas", "图谱 (investment map)", url_name="dashboard:atlas", target=Target(100)),
    # What a kept snapshot saves (crm.snapshots): the figures computed in the request, as on
    # the first read of a day or with 立即重新计算.
    Page("cockpit_fresh", "cockpit, computed now", url_name="dashboard:cockpit", query="fresh=1"),
    Page("atlas_fresh", "图谱, computed now", url_name="dashboard:atlas", query="fresh=1"),
    Page("api_leads", "API lead list", "api", path="/api/v1/leads/", target=Target(12)),
    Page(
        "api_leads_filter", "API lead list, one filter", "api", path="/api/v1/leads/?stage=screen"
    ),
    Page("api_leads_search", "API lead search, 2 chars", "api", path="/api/v1/leads/?q=米业"),
    Page("api_projects", "API project list", "api", path="/api/v1/projects/"),
    Page("api_board", "API project board", "api", path="/api/v1/projects/board/"),
    Page("api_support", "API support applications", "api", path="/api/v1/support-applications/"),
    Page("api_approvals", "API approvals", "api", path="/api/v1/approvals/"),
    Page("api_targets", "API target enterprises", "api", path="/api/v1/targets/"),
    Page("api_atlas", "API 图谱", "api", path="/api/v1/atlas/"),
    Page("api_cockpit", "API cockpit", "api", path="/api/v1/cockpit/"),
)
WORKER_MEMORY = Target(memory_mb=120)
REPORTED_OPTIONS = (
    "repeat",
    "clients",
    "duration",
    "workers",
    "threads",
    "quick",
    "export",
    "import_rows",
)


@dataclass
class Row:
    """One line of the table (and of the JSON): a page as one user, or a job."""

    key: str
    label: str
    kind: str
    who: str = ""
    path: str = ""
    status: str = ""  # "200", "not built", "HTTP 403", "error: …"
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    kb: float | None = None
    rps: float | None = None
    p99_ms: float | None = None
    http_errors: int | None = None
    memory_mb: float | None = None
    note: str = ""
    target: Target = NO_TARGET
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        """The target's verdict; a page that failed under load has missed it whatever its speed."""
        if self.status != "200":
            return None
        if self.http_errors:
            return False
        return self.target.met(self)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = {k: v for k, v in data["target"].items() if v is not None}
        data["target_text"] = self.target.text()
        data["ok"] = self.ok
        return data


# --- figures -----------------------------------------------------------------------------------


def percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value with ``percent`` % of values at or below."""
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


def response_bytes(response: HttpResponse) -> int:
    """Read the whole response, a stream too. The test client closes it, as a server would
    (at the end of the stream for a streamed one); closing it again would fire
    ``request_finished`` a second time, which may close the database connection."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class PeakMemory:
    """The process's resident memory: at the start and at its highest while the block runs.

    Sampled from ``/proc/self/statm`` every few milliseconds by a thread (Linux only; elsewhere
    the figures stay ``None``). Resident memory is what the machine must have, unlike
    ``tracemalloc``'s Python-level view, which also slows the measured code several times over.
    """

    INTERVAL = 0.005

    def __init__(self) -> None:
        self.start_mb: float | None = None
        self.peak_mb: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def resident_mb(pid: int | str = "self") -> float | None:
        try:
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return None
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            now = self.resident_mb()
            if now is not None and (self.peak_mb is None or now > self.peak_mb):
                self.peak_mb = now

    def __enter__(self) -> "PeakMemory":
        self.start_mb = self.peak_mb = self.resident_mb()
        if self.start_mb is not None:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        now = self.resident_mb()
        if now is not None and self.peak_mb is not None:
            self.peak_mb = max(self.peak_mb, now)

    @property
    def growth_mb(self) -> float | None:
        if self.start_mb is None or self.peak_mb is None:
            return None
        return self.peak_mb - self.start_mb


def not_built(path: str) -> bool:
    """Whether nothing serves ``path`` yet (the API's catch-all 404 does not count)."""
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return True
    return match.func is api_not_found


def page_path(page: Page, user: User) -> str | None:
    """The page's path for ``user``; ``None`` when its URL does not exist or no record fits."""
    if page.detail is not None:
        return page.detail(user)
    if page.url_name:
        try:
            path = reverse(page.url_name)
        except NoReverseMatch:
            return None
        return f"{path}?{page.query}" if page.query else path
    return page.path


def measure_in_process(client: Client, path: str, repeat: int) -> dict[str, Any]:
    """Median and p95 of ``repeat`` requests after one warm-up, with queries and size."""
    response = client.get(path)
    status = response.status_code
    size = response_bytes(response)
    if status != 200:
        return {"status": status}
    timings = []
    queries = 0
    for _run in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            size = response_bytes(response)
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return {
        "status": response.status_code,
        "median_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 95),
        "queries": queries,
        "kb": size / 1024,
    }


# --- gunicorn ---------------------------------------------------------------------------------


def export_formats(text: str) -> tuple[str, ...]:
    """``--export``: "csv,xlsx", "csv" … or "none"."""
    formats = tuple(part for part in text.replace(" ", "").split(",") if part and part != "none")
    unknown = set(formats) - {"csv", "xlsx"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown export format: {', '.join(sorted(unknown))}")
    return formats


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn with the production settings file on a free port, for the length of a block.

    ``max_requests`` is switched off so that no worker restarts during the run: the memory
    read afterwards is that of workers which served every request.
    """

    def __init__(self, *, workers: int, threads: int, log: Path) -> None:
        self.workers = workers
        self.threads = threads
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        env = {
            **os.environ,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(GUNICORN_CONF),
            "--max-requests",
            "0",
            "config.wsgi",
        ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/login/")
                if conn.getresponse().status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """The master's children, read from ``/proc``."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid …": the command name may hold spaces, so split after it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)


def load(port: int, path: str, cookies: list[str], duration: float) -> dict[str, Any]:
    """``len(cookies)`` clients, each its own session and connection, for ``duration`` seconds."""
    target = quote(path, safe="/?&=%:+,")
    latencies: list[list[float]] = [[] for _cookie in cookies]
    errors = [0] * len(cookies)
    statuses: set[int] = set()
    start = threading.Barrier(len(cookies) + 1)
    window: dict[str, float] = {}

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookies[index]}"}

        def get() -> tuple[int, float]:
            began = time.perf_counter()
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, (time.perf_counter() - began) * 1000

        try:
            for _warm_up in range(2):
                get()
        finally:
            start.wait()
        # Waiting at the barrier may outlast gunicorn's keep-alive: start on a new connection.
        conn.close()
        while time.perf_counter() < window["end"]:
            try:
                status, elapsed = get()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                continue
            statuses.add(status)
            if status == 200:
                latencies[index].append(elapsed)
            else:
                errors[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(cookies))]
    for thread in threads:
        thread.start()
    window["end"] = math.inf
    start.wait()
    began = time.perf_counter()
    window["end"] = began + duration
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    # Only answered pages count: a fast error page is no throughput.
    every = [value for values in latencies for value in values]
    return {
        "requests": len(every),
        "rps": len(every) / elapsed if elapsed else 0.0,
        "p99_ms": percentile(every, 99) if every else None,
        "errors": sum(errors),
        "statuses": sorted(statuses),
    }


# --- the command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Time the main pages (in process and through gunicorn), the API lists, the reminder "
        "scan, the lead export and the import over the current database; print a table with "
        "the targets and write JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", help="measure these paths instead of the pages")
        parser.add_argument("--leader", default="juzhang", help="the bureau leader to be")
        parser.add_argument("--officer", default="wang_zs", help="the officer to be")
        parser.add_argument("--repeat", type=int, help="timed requests a page (default 20)")
        parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
        parser.add_argument("--duration", type=float, help="seconds of load a page (default 4)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
        parser.add_argument("--no-http", action="store_true", help="skip the gunicorn part")
        parser.add_argument(
            "--quick",
            action="store_true",
            help="a smoke test: 3 requests a page, 1 s of load, 200 rows imported unless given",
        )
        parser.add_argument(
            "--export",
            type=export_formats,
            default=("csv", "xlsx"),
            help="export formats to time, comma-separated (default csv,xlsx; none to skip)",
        )
        parser.add_argument("--import-rows", type=int, help="rows to import (default 10,000)")
        parser.add_argument("--json", help="where to write the JSON (default var/bench/…)")

    def handle(self, *args: Any, **options: Any) -> None:
        quick = options["quick"]
        if options["repeat"] is None:
            options["repeat"] = 3 if quick else 20
        if options["duration"] is None:
            options["duration"] = 1.0 if quick else 4.0
        if options["import_rows"] is None:
            options["import_rows"] = 200 if quick else 10_000
        if options["repeat"] < 1 or options["clients"] < 1 or options["duration"] <= 0:
            raise CommandError("--repeat, --clients and --duration must be positive.")
        users = self._users(options)
        started = timezone.now()
        clock = time.monotonic()
        measured_on = machine()
        if settings.DEBUG:
            self.stderr.write(
                "DEBUG is on: figures are slower than production (scripts/bench.sh turns it off)."
            )
        data = self._data_sizes()
        self.stdout.write(
            f"{data['leads']:,} leads, {data['projects']:,} projects, {data['users']:,} users, "
            f"{data['task_forces']:,} task forces on {connection.vendor}; "
            f"{options['repeat']} requests a page after a warm-up; "
            f"load average {measured_on.get('load_average', ['?'])[0]}, "
            f"CPU probe {measured_on['cpu_probe_ms']} ms; code {measured_on.get('code', '?')}"
        )
        pages = self._pages(options["paths"])
        rows: list[Row] = []
        # The test client's requests go to "testserver", whatever the hosts of the installation.
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            clients = {}
            for who, user in users.items():
                clients[who] = Client(raise_request_exception=False)
                clients[who].force_login(user)
            for page in pages:
                for who, user in users.items():
                    rows.append(self._in_process(page, who, user, clients[who], options["repeat"]))
                    self._progress(rows[-1])
            if not options["paths"]:
                jobs = [self._reminder_scan]
                jobs += [
                    lambda fmt=fmt: self._export(clients["leader"], fmt, data["leads"])
                    for fmt in options["export"]
                ]
                jobs.append(lambda: self._import(users["leader"], options["import_rows"]))
                for job in jobs:
                    rows.append(job())
                    self._progress(rows[-1])
            if not options["no_http"]:
                rows += self._http(rows, users, options)
        report = {
            "version": 1,
            "started_at": started.isoformat(),
            "seconds": round(time.monotonic() - clock, 1),
            "machine": measured_on,
            "data": data,
            "options": {key: options[key] for key in REPORTED_OPTIONS}
            | {"http": not options["no_http"], "users": {k: u.username for k, u in users.items()}},
            "rows": [row.as_json() for row in rows],
        }
        with contextlib.suppress(OSError):
            measured_on["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
        measured_on["cpu_probe_ms_end"] = cpu_probe_ms()
        self.stdout.write("")
        for line in table(rows):
            self.stdout.write(line)
        stamp = f"{timezone.localtime(started):%Y%m%d-%H%M%S}"
        target = Path(options["json"] or JSON_DIR / f"{stamp}.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        self.stdout.write(
            f"\nload average {measured_on.get('load_average', ['?'])[0]} → "
            f"{measured_on.get('load_average_end', ['?'])[0]}, CPU probe "
            f"{measured_on['cpu_probe_ms']} → {measured_on['cpu_probe_ms_end']} ms; "
            f"{report['seconds']:,.0f} s in all"
        )
        self.stdout.write(f"JSON: {target}")

    # --- setup ---------------------------------------------------------------------------------

    def _users(self, options: dict[str, Any]) -> dict[str, User]:
        users = {}
        for who in ("leader", "officer"):
            username = options[who]
            try:
                users[who] = User.objects.get(username=username, is_active=True)
            except User.DoesNotExist:
                raise CommandError(
                    f"No active user {username!r}: seed the database first "
                    "(scripts/bench.sh, or manage.py seed_demo)."
                ) from None
        if not reads_county(users["leader"]):
            raise CommandError(f"--leader {options['leader']!r} does not read the whole county.")
        return users

    def _data_sizes(self) -> dict[str, int]:
        return {
            "leads": Lead.objects.count(),
            "follow_ups": FollowUp.objects.count(),
            "lead_transitions": LeadTransition.objects.count(),
            "projects": Project.objects.count(),
            "users": User.objects.count(),
            "task_forces": TaskForce.objects.count(),
        }

    def _pages(self, paths: list[str]) -> tuple[Page, ...]:
        if not paths:
            return PAGES
        return tuple(
            Page(f"path_{index}", path, "api" if path.startswith("/api/") else "page", path=path)
            for index, path in enumerate(paths, start=1)
        )

    def _progress(self, row: Row) -> None:
        figure = f"{row.median_ms:,.1f} ms" if row.median_ms is not None else row.status
        self.stdout.write(f"  {row.label} ({row.who or '-'}): {figure}")

    # --- the measurements ----------------------------------------------------------------------

    def _in_process(self, page: Page, who: str, user: User, client: Client, repeat: int) -> Row:
        row = Row(page.key, page.label, page.kind, who=who, target=page.target)
        path = page_path(page, user)
        if path is None and page.detail is not None:
            row.status = "no record in scope"
            return row
        if path is None or not_built(path):
            row.status = "not built"
            return row
        row.path = path
        try:
            figures = measure_in_process(client, path, repeat)
        except Exception as error:  # one broken page must not hide the others' figures
            row.status = f"error: {type(error).__name__}: {error}"[:200]
            return row
        status = figures.pop("status")
        row.status = "200" if status == 200 else f"HTTP {status}"
        for name, value in figures.items():
            setattr(row, name, value)
        return row

    def _reminder_scan(self) -> Row:
        """The morning's plan over every overdue item (``send_reminders --dry-run``), 3 times."""
        row = Row("reminder_scan", "reminder scan (plan of the day)", "job", status="200")
        today = timezone.localdate()
        timings = []
        with PeakMemory() as memory, translation.override(settings.LANGUAGE_CODE):
            for _run in range(3):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    planned, items = reminders_plan(today=today)
                    timings.append((time.perf_counter() - started) * 1000)
        row.median_ms, row.p95_ms = statistics.median(timings), max(timings)
        row.queries = len(captured.captured_queries)
        row.memory_mb = memory.growth_mb
        row.note = f"{len(planned):,} reminders for {items:,} overdue items"
        row.extra = {"reminders": len(planned), "items": items, "peak_rss_mb": memory.peak_mb}
        return row

    def _export(self, client: Client, fmt: str, leads: int) -> Row:
        """Every lead, as the bureau leader, through the export page; memory is the peak growth."""
        row = Row(f"export_{fmt}", f"lead export {fmt}, {leads:,} rows", "job", who="leader")
        row.path = f"{reverse('leads:export')}?format={fmt}"
        try:
            with (
                PeakMemory() as memory,
                CaptureQueriesContext(connection) as captured,
            ):
                started = time.perf_counter()
                response = client.get(row.path)
                size = response_bytes(response)
                row.median_ms = (time.perf_counter() - started) * 1000
        except Exception as error:
            row.status = f"error: {type(error).__name__}: {error}"[:200]
            return row
        row.status = "200" if response.status_code == 200 else f"HTTP {response.status_code}"
        row.queries = len(captured.captured_queries)
        row.kb = size / 1024
        row.memory_mb = memory.growth_mb
        if row.median_ms and memory.peak_mb is not None:
            row.note = (
                f"{leads / row.median_ms * 1000:,.0f} rows/s, process peak {memory.peak_mb:,.0f} MB"
            )
        row.extra = {"rows": leads, "peak_rss_mb": memory.peak_mb}
        return row

    def _import(self, actor: User, count: int) -> Row:
        row = Row("import", f"lead import, {count:,} rows", "job", who="leader")
        module_name, function_name = IMPORT_HOOK
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            module = None
        function = getattr(module, function_name, None)
        if function is None:
            row.status = "not built"
            row.note = f"measured once {module_name}.{function_name}(actor=, rows=) exists"
            return row
        try:
            with PeakMemory() as memory, transaction.atomic():
                started = time.perf_counter()
                imported = function(actor=actor, rows=count)
                row.median_ms = (time.perf_counter() - started) * 1000
                transaction.set_rollback(True)
        except Exception as error:
            row.status = f"error: {type(error).__name__}: {error}"[:200]
            return row
        row.status = "200"
        row.memory_mb = memory.growth_mb
        row.note = f"{imported:,} rows imported (rolled back)"
        row.extra = {"rows": imported, "peak_rss_mb": memory.peak_mb}
        return row

    def _http(self, rows: list[Row], users: dict[str, User], options: dict[str, Any]) -> list[Row]:
        """Load every page that answered 200 through gunicorn; then the workers' memory."""
        sessions: dict[str, list[str]] = {}
        for who, user in users.items():
            sessions[who] = []
            for _client in range(options["clients"]):
                client = Client()
                client.force_login(user)
                sessions[who].append(client.cookies[settings.SESSION_COOKIE_NAME].value)
        memory = Row("worker_memory", "gunicorn worker memory (RSS)", "job", target=WORKER_MEMORY)
        log = JSON_DIR / f"gunicorn-{timezone.localtime():%Y%m%d-%H%M%S}.log"
        self.stdout.write(
            f"gunicorn: {options['workers']} workers × {options['threads']} threads, "
            f"{options['clients']} clients, {options['duration']:g} s a page (log: {log})"
        )
        try:
            with Gunicorn(
                workers=options["workers"], threads=options["threads"], log=log
            ) as server:
                for row in rows:
                    if row.kind == "job" or row.status != "200":
                        continue
                    figures = load(server.port, row.path, sessions[row.who], options["duration"])
                    row.rps, row.p99_ms = figures["rps"], figures["p99_ms"]
                    row.http_errors = figures["errors"]
                    row.extra["http"] = figures
                    self.stdout.write(
                        f"  {row.label} ({row.who}): {row.rps:,.0f} req/s"
                        + (f", {row.http_errors} errors" if row.http_errors else "")
                    )
                resident = [PeakMemory.resident_mb(pid) for pid in server.worker_pids()]
        except RuntimeError as error:
            memory.status = f"error: {error}"
            return [memory]
        measured = [value for value in resident if value is not None]
        if measured:
            memory.status = "200"
            memory.memory_mb = max(measured)
            memory.note = "workers: " + ", ".join(f"{value:.0f} MB" for value in measured)
            memory.extra = {"workers_rss_mb": measured}
        else:
            memory.status = "not measured (no /proc)"
        return [memory]


GIT_RUN: dict[str, Any] = {"capture_output": True, "text": True, "timeout": 10, "check": True}


def cpu_probe_ms() -> float:
    """Milliseconds a fixed pure-Python loop takes. Taken at the start and the end of a run, it
    shows how much CPU the run really had on a shared machine (more milliseconds, less CPU), and
    so how far two runs' figures compare."""
    started = time.perf_counter()
    sum(i * i for i in range(1_000_000))
    return round((time.perf_counter() - started) * 1000, 1)


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was at the start."""
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
    }
    with contextlib.suppress(OSError, ValueError, IndexError):
        meminfo = Path("/proc/meminfo").read_text().split("\n")[0]
        info["memory_gb"] = round(int(meminfo.split()[1]) / 2**20, 1)
    with contextlib.suppress(OSError):
        info["load_average"] = [round(value, 2) for value in os.getloadavg()]
    info["cpu_probe_ms"] = cpu_probe_ms()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        # Which code was measured: the commit, "+" when the working tree differs from it.
        git = ["git", "-C", str(settings.BASE_DIR)]
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], **GIT_RUN).stdout.strip()
        dirty = subprocess.run([*git, "status", "--porcelain"], **GIT_RUN).stdout.strip()
        info["code"] = commit + ("+" if dirty else "")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["database_version"] = cursor.fetchone()[0]
    return info


def cell(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


HEADER = ("page", "as", "median ms", "p95 ms", "queries", "KB", "req/s", "p99 ms", "target")
NUMERIC = range(2, 8)  # right-aligned columns


def table_cells(row: Row) -> tuple[str, ...]:
    """One row's cells: figures when it answered, else its state in the median column."""
    notes = row.note
    if row.status == "200":
        figures = (
            cell(row.median_ms),
            cell(row.p95_ms),
            "" if row.queries is None else str(row.queries),
            cell(row.kb),
            cell(row.rps, 0),
            cell(row.p99_ms),
        )
        if row.http_errors:
            notes = "; ".join(filter(None, (notes, f"{row.http_errors} HTTP errors")))
        if row.memory_mb is not None and row.key != "worker_memory":
            notes = "; ".join(filter(None, (f"RSS +{row.memory_mb:,.0f} MB", notes)))
    elif row.status.startswith("error"):
        figures = ("error", "", "", "", "", "")
        notes = "; ".join(filter(None, (row.status, notes)))
    else:
        figures = (row.status, "", "", "", "", "")
    verdict = {True: "✓", False: "✗", None: ""}[row.ok]
    return (row.label, row.who, *figures, row.target.text(), verdict, notes)


def table(rows: list[Row]) -> list[str]:
    """The rows as a Markdown table, aligned in a terminal (CJK characters take two columns)."""
    header = (*HEADER, "✓/✗", "notes")
    body = [table_cells(row) for row in rows]
    widths = [max(display_width(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: tuple[str, ...], align: bool = True) -> str:
        padded = [
            " " * (width - display_width(text)) + text
            if align and index in NUMERIC
            else pad(text, width)
            for index, (text, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "".join(
        f"|{'-' * (width + 1)}:" if index in NUMERIC else f"|{'-' * (width + 2)}"
        for index, width in enumerate(widths)
    )
    return [line(header, align=False), rule + "|", *(line(cells) for cells in body)]
