"""Benchmark loading the actuals extract: preview and commit of a 200,000-row CSV.

Run by hand from the repository root:

    .venv/bin/python bench/bench_actuals_load.py [--rows 200000]

A fresh SQLite database is migrated and seeded with the demo office (`flask db upgrade`,
`flask seed demo`); a synthetic actuals-extract/1 CSV is written; then, in this process:
1. the reference: csv.reader over the same file (the floor any CSV parse stands on);
2. preview_load (parse, resolve codes, compare with what is loaded, store the preview);
3. commit_load (parse again, lock, insert every row) and the database commit;
4. preview_load of the same file again (every row already loaded: all "unchanged").
The target for 2 and 3 each is 30 s (issue 14). Wall and CPU time are printed; CPU is the
steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

TARGET_S = 30.0
ACCOUNTS = [("DP", 2027), ("INCLE", 2027), ("ESF", 2027)]
OBJECT_CLASSES = {"DP": ["11.1", "12.1", "21.0", "25.2", "26.0"], "INCLE": ["41.0"], "ESF": ["41.0"]}
DIVISIONS = ["", "RPA", "IP", "PEMA", "RMP"]
HEADER = (
    "transaction_id,posted_on,account,fiscal_year,object_class,division,document_number,obligation,expenditure,"
    "description"
)


def extract(rows: int, seed: int = 2027) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(HEADER + "\n")
    for n in range(rows):
        account, year = rng.choice(ACCOUNTS)
        cents = rng.randrange(-50_000, 5_000_000)
        out.write(
            f"FS{n:09d},2026-{rng.randint(10, 12)}-{rng.randint(1, 28):02d},{account},{year},"
            f"{rng.choice(OBJECT_CLASSES[account])},{rng.choice(DIVISIONS)},DOC-{rng.randrange(5000)},"
            f"{cents // 100}.{abs(cents) % 100:02d},0,Synthetic transaction {n}\n"
        )
    return out.getvalue().encode()


def timed(label: str, work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result, wall, cpu


def report(label: str, wall: float, cpu: float, *, target: bool = True) -> None:
    beside = f"  (target {TARGET_S:.0f} s)" if target else ""
    print(f"  {label + ':':<45} {wall:6.2f} s wall, {cpu:6.2f} s CPU{beside}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "FLASK_APP": "app"}
        for command in (["db", "upgrade"], ["seed", "demo"]):
            subprocess.run(
                [sys.executable, "-m", "flask", *command], cwd=ROOT, env=env, check=True, capture_output=True
            )
        content = extract(rows)
        print(f"actuals-extract/1 CSV: {rows:,} rows, {len(content) / 1024 / 1024:.1f} MB")

        from app import create_app
        from config import Config
        from models import User, db
        from services.execution import actuals

        class BenchConfig(Config):
            SQLALCHEMY_DATABASE_URI = env["DATABASE_URL"]

        app = create_app(BenchConfig)
        with app.app_context():
            rm = db.session.scalar(db.select(User).where(User.email == "rm@example.gov"))

            def reference():
                return sum(1 for _ in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))

            def preview():
                load = actuals.preview_load(rm, "extract.csv", content)
                db.session.commit()
                return load

            def commit(load):
                written = actuals.commit_load(rm, load)
                db.session.commit()
                return written

            _, wall, cpu = timed("reference", reference)
            report("reference, csv.reader over the file", wall, cpu, target=False)
            load, wall, cpu = timed("preview", preview)
            assert not load.preview["errors"], load.preview["errors"][:3]
            report("preview_load (all new)", wall, cpu)
            written, wall, cpu = timed("commit", lambda: commit(load))
            report(f"commit_load ({written:,} written)", wall, cpu)
            again, wall, cpu = timed("again", preview)
            report(f"preview_load again ({again.preview['unchanged']:,} unchanged)", wall, cpu)
            db.engine.dispose()


if __name__ == "__main__":
    main()
