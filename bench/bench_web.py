"""Web benchmarks for issues 2 and 16 (run by hand: `make bench` or `.venv/bin/python bench/bench_web.py`).

For each size (`--lines 100000,1000000`, or BENCH_LINES): a fresh SQLite database, migrated and
seeded with the demo office, then `flask seed scale --lines N` into the plan scenario (timed).
1. The budget lines page's server time (Flask test client): first page, a filtered page and
   sorted deep pages; and the dashboard.
2. Throughput under a bounded local load (gunicorn, 2 workers on 127.0.0.1, 8 concurrent clients,
   400 requests a page), each page beside a bare Flask page ("ok") measured the same way in the same
   run: the dashboard, the status of funds (page and API), the budget lines page and the API list
   (first page and a deep page: the middle one, the deepest an offset goes). Issue 16's target: each
   at least half the bare page's req/s (ratio >= 0.5), and the same at 1,000,000 lines as at 100,000.
   The bare page is served beside the app and measured just before each page, and each ratio is to
   that figure, so both are taken under the same load from whatever else shares the machine. The
   load generator (this process's threads) shares the two cores with the server, so beside each rate
   are the CPU milliseconds per request spent by the server (gunicorn and its workers) and by the
   client, and the server-CPU ratio (the bare page's server CPU per request over the page's): what
   the page costs the server, whatever the client and other work on the machine cost.

Everything runs against temporary SQLite files and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = os.environ.get("BENCH_LINES", "100000,1000000")  # comma-separated line counts
TARGET_RATIO = 0.5  # issue 16: at least half the bare page's throughput
REQUESTS, CONCURRENCY = 400, 8


def flask(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def timed(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_lines_page(env: dict) -> None:
    from app import create_app
    from config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = env["DATABASE_URL"]

    app = create_app(BenchConfig)
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "rm@example.gov", "password": "demo-password", "csrf_token": token.group(1)})
    with app.app_context():
        from models import Scenario, db

        plan = db.session.scalar(db.select(Scenario).where(Scenario.name == "FY2027 plan"))
    pages = {
        "first page, 50 lines": f"/lines?scenario={plan.id}",
        "filtered (region AF)": f"/lines?scenario={plan.id}&region=1",
        "sorted by amount, page 500": f"/lines?scenario={plan.id}&sort=-amount&page=500",
        "sorted by country, page 100": f"/lines?scenario={plan.id}&sort=country&page=100",
        "dashboard": f"/?scenario={plan.id}",
    }
    for label, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        seconds = timed(lambda path=path: client.get(path))
        print(f"  {label:<30} {seconds * 1000:8.1f} ms (median of 5)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


@dataclass(frozen=True)
class Load:
    rate: float  # requests a second, CONCURRENCY at a time
    alone_ms: float  # median of 20 sent one at a time
    server_cpu_ms: float  # per request, gunicorn's master and workers
    client_cpu_ms: float  # per request, this process (the load generator)


def throughput(fetch, server_pid: int) -> Load:
    """The page under REQUESTS requests CONCURRENCY at a time, and one at a time."""

    def one(_: int) -> None:
        fetch()

    for _ in range(10):
        one(0)  # warm both workers
    alone = []
    for _ in range(20):
        start = time.perf_counter()
        one(0)
        alone.append(time.perf_counter() - start)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        server_before, client_before = cpu_seconds(server_pid), time.process_time()
        start = time.perf_counter()
        list(pool.map(one, range(REQUESTS)))
        elapsed = time.perf_counter() - start
        server_cpu, client_cpu = cpu_seconds(server_pid) - server_before, time.process_time() - client_before
    return Load(
        REQUESTS / elapsed, statistics.median(alone) * 1000, server_cpu / REQUESTS * 1000, client_cpu / REQUESTS * 1000
    )


def bench_under_load(env: dict, tmp: str, plan_id: int, seek_after: int, line_count: int) -> None:
    from bench_execution_web import BARE_APP, Server, getter

    token = flask(env, "users", "token", "viewer@example.gov").strip()
    (Path(tmp) / "bare.py").write_text(BARE_APP)
    plain = urllib.request.build_opener()
    per_page = 50
    middle = max(1, -(-line_count // per_page) // 2)
    # Both servers run together, and the bare page is measured just before each page, so that a
    # ratio compares two figures taken under the same load from whatever else shares the machine.
    with Server("app:create_app()", env, ROOT) as server, Server("bare:app", env, Path(tmp)) as bare_server:
        bare_fetch = getter(plain, f"{bare_server.base}/")
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(f"{server.base}/login").read().decode()
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        data = {"email": "viewer@example.gov", "password": "demo-password", "csrf_token": csrf}
        opener.open(f"{server.base}/login", data=urllib.parse.urlencode(data).encode()).read()
        api = {"Authorization": f"Bearer {token}"}
        base = server.base
        appropriation = json.loads(getter(plain, f"{base}/api/v1/appropriations?per_page=1", api)().decode())["items"][
            0
        ]["id"]
        pages = {
            "dashboard": getter(opener, f"{base}/?scenario={plan_id}"),
            "status of funds (page)": getter(opener, f"{base}/appropriations?scenario={plan_id}"),
            "status of funds (API)": getter(
                plain, f"{base}/api/v1/appropriations/{appropriation}/status?scenario={plan_id}", api
            ),
            "lines page 1": getter(opener, f"{base}/lines?scenario={plan_id}"),
            f"lines page {middle} (middle)": getter(opener, f"{base}/lines?scenario={plan_id}&page={middle}"),
            "API list page 1": getter(plain, f"{base}/api/v1/budget-lines?scenario={plan_id}&per_page={per_page}", api),
            f"API list page {middle} (middle)": getter(
                plain, f"{base}/api/v1/budget-lines?scenario={plan_id}&per_page={per_page}&page={middle}", api
            ),
            # The same deep pages as a reader comes to them: by the Next link, or the list's next_after.
            f"lines page {middle} (Next link)": getter(
                opener, f"{base}/lines?scenario={plan_id}&page={middle}&after={seek_after}"
            ),
            f"API list page {middle} (next_after)": getter(
                plain,
                f"{base}/api/v1/budget-lines?scenario={plan_id}&per_page={per_page}&page={middle}&after={seek_after}",
                api,
            ),
        }
        measured = {
            label: (throughput(bare_fetch, bare_server.process.pid), throughput(fetch, server.process.pid))
            for label, fetch in pages.items()
        }
    bares = [bare for bare, _ in measured.values()]
    print(
        f"Under bounded local load (gunicorn, 2 workers, SQLite; {REQUESTS} requests, {CONCURRENCY} concurrent), "
        f"{line_count:,} scale lines; CPU ms per request of the server and of the client (the load generator):"
    )
    print(
        f"  {'bare Flask page (reference)':<32} {statistics.median(b.rate for b in bares):7.1f} req/s  "
        f"(median of {len(bares)}: {min(b.rate for b in bares):.0f} to {max(b.rate for b in bares):.0f})  "
        f"alone {statistics.median(b.alone_ms for b in bares):6.1f} ms  "
        f"CPU server {statistics.median(b.server_cpu_ms for b in bares):5.2f} "
        f"client {statistics.median(b.client_cpu_ms for b in bares):5.2f}"
    )
    for label, (bare, load) in measured.items():
        ratio = load.rate / bare.rate
        verdict = "meets" if ratio >= TARGET_RATIO else "below"
        print(
            f"  {label:<32} {load.rate:7.1f} req/s  alone {load.alone_ms:6.1f} ms  "
            f"CPU server {load.server_cpu_ms:5.2f} client {load.client_cpu_ms:5.2f}  "
            f"ratio {ratio:4.2f} to the bare page's {bare.rate:.0f} req/s measured just before "
            f"(target {TARGET_RATIO}: {verdict}); server-CPU ratio {bare.server_cpu_ms / load.server_cpu_ms:4.2f}"
        )


def plan_and_seek(env: dict, line_count: int, per_page: int = 50) -> tuple[int, int]:
    """The plan scenario's id, and the last id of the page before its middle page (the Next link's seek)."""
    import sqlalchemy as sa

    middle = max(1, -(-line_count // per_page) // 2)
    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        plan_id = connection.execute(sa.text("SELECT id FROM scenario WHERE name = 'FY2027 plan'")).scalar_one()
        after = connection.execute(
            sa.text("SELECT id FROM budget_line WHERE scenario_id = :plan ORDER BY id LIMIT 1 OFFSET :ahead"),
            {"plan": plan_id, "ahead": max(0, (middle - 1) * per_page - 1)},
        ).scalar_one()
    engine.dispose()
    return plan_id, after


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", default=SIZES, help="comma-separated numbers of scale lines")
    parser.add_argument("--skip-test-client", action="store_true", help="only the measurements under load")
    arguments = parser.parse_args()
    for count in [int(n) for n in arguments.lines.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "FLASK_APP": "app"}
            flask(env, "db", "upgrade")
            flask(env, "seed", "demo")
            start = time.perf_counter()
            flask(env, "seed", "scale", "--lines", str(count))
            print(f"seed scale --lines {count}: {time.perf_counter() - start:.1f} s")
            if not arguments.skip_test_client:
                print(f"Budget lines page with {count:,} extra lines in the plan scenario (SQLite, server time):")
                bench_lines_page(env)
            bench_under_load(env, tmp, *plan_and_seek(env, count), count)


if __name__ == "__main__":
    main()
