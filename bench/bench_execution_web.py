"""Web benchmark for issue 14 ("Speed"): the execution page and API with 200,000 transactions loaded.

Run by hand from the repository root:

    .venv/bin/python bench/bench_execution_web.py [--transactions 200000]

A fresh SQLite database is migrated and seeded with the demo office (its actuals included); then
200,000 transactions are bulk-inserted into actual_transaction on one appropriation, spread over its
months up to today (the worst case for that appropriation's page). Under the same bounded local load
as bench_web.py (gunicorn, 2 workers, on 127.0.0.1; 8 concurrent clients, 400 requests each), it
measures:
1. the reference: a bare Flask page ("ok") served the same way, the floor of the stack;
2. /appropriations/<id>/execution?scenario=<plan> (signed in as the viewer);
3. /api/v1/appropriations/<id>/execution?scenario=<plan> (a bearer token).
It prints p50/p95/max and req/s of each beside the target, p95 under 150 ms (issue 14), and the
median of 20 requests sent one at a time (the service time, without queueing).
Everything runs against a temporary SQLite file and stops by itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The web bench's bounded local load (the same requests and concurrency) and its helpers.
from bench_web import CONCURRENCY, REQUESTS, flask, free_port  # noqa: E402

WORKERS = 2
TARGET_P95_MS = 150
BARE_APP = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"
"""


def load_transactions(env: dict, count: int) -> tuple[int, int, str]:
    """Bulk-insert `count` transactions on the appropriation with the most already; (its id, plan id, label)."""
    import sqlalchemy as sa

    from app import create_app
    from config import Config
    from models import ActualsLoad, ActualTransaction, Appropriation, Award, LoadStatus, Scenario, User, db
    from models.base import utcnow

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = env["DATABASE_URL"]

    app = create_app(BenchConfig)
    with app.app_context():
        plan = db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2027 plan"))
        appropriation_id, object_class_id, division_id = db.session.execute(
            sa.select(
                ActualTransaction.appropriation_id,
                sa.func.min(ActualTransaction.object_class_id),
                sa.func.min(ActualTransaction.division_id),
            )
            .group_by(ActualTransaction.appropriation_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
        funds = db.session.get(Appropriation, appropriation_id)
        rm = db.session.scalar(sa.select(User).where(User.email == "rm@example.gov"))
        load = ActualsLoad(
            filename="bench.csv",
            file_sha256="0" * 64,
            content=b"",
            preview={"errors": [], "warnings": []},
            status=LoadStatus.COMMITTED,
            committed_at=utcnow(),
            written=count,
            created_by_id=rm.id,
        )
        db.session.add(load)
        db.session.flush()
        first = dt.date(funds.fiscal_year - 1, 10, 1)
        days = max(1, (min(dt.date.today(), funds.expires_on or dt.date.today()) - first).days + 1)
        rng = random.Random(14)
        # A fifth of the transactions draw down the demo's awards (the region and priority tables read
        # those through the awards); the rest name other documents: orders, travel, contracts.
        awards = list(db.session.scalars(sa.select(Award.number).order_by(Award.number)))
        rows = (
            {
                "transaction_id": f"BENCH{n:09d}",
                "posted_on": first + dt.timedelta(days=rng.randrange(days)),
                "appropriation_id": funds.id,
                "object_class_id": object_class_id,
                "division_id": division_id,
                "document_number": rng.choice(awards) if rng.random() < 0.2 else f"DOC-{rng.randrange(5000)}",
                "obligation_cents": rng.randrange(-50_000, 5_000_000),
                "expenditure_cents": rng.randrange(0, 1_000_000),
                "description": f"Synthetic transaction {n}",
                "load_id": load.id,
                "source_row": n + 2,
            }
            for n in range(count)
        )
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 10_000:
                db.session.execute(sa.insert(ActualTransaction), batch)
                batch = []
        if batch:
            db.session.execute(sa.insert(ActualTransaction), batch)
        db.session.commit()
        total = db.session.scalar(sa.select(sa.func.count()).where(ActualTransaction.appropriation_id == funds.id))
        result = funds.id, plan.id, f"{funds.label} ({total:,} transactions)"
        db.engine.dispose()
    return result


class Server:
    """gunicorn with WORKERS workers on a free local port, stopped on exit."""

    def __init__(self, app: str, env: dict, cwd: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(WORKERS), "--bind",
             f"127.0.0.1:{self.port}", "--no-control-socket", app],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def __enter__(self) -> Server:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.base}/", timeout=1).read()
                return self
            except urllib.error.HTTPError:
                return self  # answering (a redirect to sign in, a 404): up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def __exit__(self, *_) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def under_load(label: str, fetch: Callable[[], bytes]) -> None:
    def one(_: int) -> float:
        start = time.perf_counter()
        fetch()
        return time.perf_counter() - start

    for _ in range(10):
        one(0)  # warm both workers
    alone = statistics.median(one(0) for _ in range(20))  # the service time, without queueing
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        start = time.perf_counter()
        latencies = sorted(pool.map(one, range(REQUESTS)))
        elapsed = time.perf_counter() - start
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"  {label:<34} p50 {p50 * 1000:7.1f} ms, p95 {p95 * 1000:7.1f} ms, max {latencies[-1] * 1000:7.1f} ms, "
        f"{REQUESTS / elapsed:6.1f} req/s; alone {alone * 1000:6.1f} ms  (target p95 < {TARGET_P95_MS} ms)"
    )


def getter(opener, url: str, headers: dict | None = None) -> Callable[[], bytes]:
    def fetch() -> bytes:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=60) as response:
            assert response.status == 200, (url, response.status)
            return response.read()

    return fetch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=200_000)
    count = parser.parse_args().transactions
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "FLASK_APP": "app"}
        flask(env, "db", "upgrade")
        flask(env, "seed", "demo")
        start = time.perf_counter()
        appropriation_id, plan_id, label = load_transactions(env, count)
        print(f"{count:,} transactions bulk-inserted in {time.perf_counter() - start:.1f} s on {label}")
        token = flask(env, "users", "token", "viewer@example.gov").strip()
        (Path(tmp) / "bare.py").write_text(BARE_APP)
        print(f"Under bounded local load (gunicorn, {WORKERS} workers, SQLite; {REQUESTS} requests, "
              f"{CONCURRENCY} concurrent):")  # fmt: skip
        plain = urllib.request.build_opener()
        with Server("bare:app", env, Path(tmp)) as bare:
            under_load("bare Flask page (reference)", getter(plain, f"{bare.base}/"))
        with Server("app:create_app()", env, ROOT) as server:
            jar = CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            login_page = opener.open(f"{server.base}/login").read().decode()
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
            data = {"email": "viewer@example.gov", "password": "demo-password", "csrf_token": csrf}
            opener.open(f"{server.base}/login", data=urllib.parse.urlencode(data).encode()).read()
            query = f"{appropriation_id}/execution?scenario={plan_id}"
            under_load("execution page", getter(opener, f"{server.base}/appropriations/{query}"))
            api = getter(plain, f"{server.base}/api/v1/appropriations/{query}", {"Authorization": f"Bearer {token}"})
            under_load("execution API", api)


if __name__ == "__main__":
    main()
