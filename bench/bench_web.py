"""Web benchmarks for issue 2 (run by hand: `make bench` or `.venv/bin/python bench/bench_web.py`).

1. The budget lines page with 100,000 lines in the plan scenario: server time of
   the first page, a filtered page and a sorted deep page (Flask test client, SQLite).
2. The dashboard's latency under a bounded local load: gunicorn with 2 workers on
   127.0.0.1, 8 concurrent clients, 400 requests in all; prints p50/p95/max.

Everything runs against a temporary SQLite file and stops by itself.
"""

from __future__ import annotations

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
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LINES = int(os.environ.get("BENCH_LINES", "100000"))
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


def bench_dashboard_load(env: dict) -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(f"{base}/login").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        data = urllib.parse.urlencode(
            {"email": "viewer@example.gov", "password": "demo-password", "csrf_token": token}
        ).encode()
        opener.open(f"{base}/login", data=data).read()

        def one(_: int) -> float:
            start = time.perf_counter()
            with opener.open(f"{base}/", timeout=30) as response:
                response.read()
                assert response.status == 200
            return time.perf_counter() - start

        for _ in range(10):
            one(0)  # warm both workers
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            start = time.perf_counter()
            latencies = sorted(pool.map(one, range(REQUESTS)))
            elapsed = time.perf_counter() - start
        p50 = latencies[len(latencies) // 2]
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        print(
            f"  {REQUESTS} requests, {CONCURRENCY} concurrent: p50 {p50 * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms, {REQUESTS / elapsed:.1f} req/s"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "FLASK_APP": "app"}
        flask(env, "db", "upgrade")
        flask(env, "seed", "demo")
        start = time.perf_counter()
        flask(env, "seed", "scale", "--lines", str(LINES))
        print(f"seed scale --lines {LINES}: {time.perf_counter() - start:.1f} s")
        print(f"Budget lines page with {LINES:,} extra lines in the plan scenario (SQLite, server time):")
        bench_lines_page(env)
        print("Dashboard under bounded local load (gunicorn, 2 workers, SQLite):")
        bench_dashboard_load(env)


if __name__ == "__main__":
    main()
