"""Benchmark loading the actuals extract: preview and commit of a 200,000-row CSV, time and memory.

Run by hand from the repository root:

    .venv/bin/python bench/bench_actuals_load.py [--rows 200000]

A fresh SQLite database is migrated and seeded with the demo office (`flask db upgrade`,
`flask seed demo`); a synthetic actuals-extract/1 CSV is written; then each phase runs in a
child process of its own (this script again, with --phase), so each one's peak resident memory
(ru_maxrss, read by the child itself) is its own:
1. the reference: csv.reader over the same file (the floor any CSV parse stands on);
2. the app's floor: import and create the app, read one user, nothing else;
3. preview_load (parse, resolve codes, compare with what is loaded, store the preview);
4. commit_load (parse again, lock, insert every row) and the database commit;
5. preview_load of the same file again (every row already loaded: all "unchanged").
The targets for 3 and 4 each are 30 s and 300 MB (issue 14). Wall and CPU time are printed; CPU
is the steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

TARGET_S = 30.0
TARGET_MB = 300
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


def peak_mb() -> float:
    """This process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(phase: str, database_url: str, path: str, load_id: int | None) -> dict:
    """One phase, in this (child) process: its result, wall and CPU time, and peak memory."""
    wall, cpu = time.perf_counter(), time.process_time()  # the reference's clock; the app's starts below
    if phase == "reference":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            result = sum(1 for _ in csv.reader(handle))
        return finished(result, wall, cpu)

    from app import create_app
    from config import Config
    from models import ActualsLoad, User, db
    from services.execution import actuals

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(BenchConfig)
    with app.app_context():
        rm = db.session.scalar(db.select(User).where(User.email == "rm@example.gov"))
        wall, cpu = time.perf_counter(), time.process_time()  # the phase itself, without starting the app
        if phase == "floor":
            result = rm.id
        elif phase == "preview":
            with open(path, "rb") as handle:
                content = handle.read()
            load = actuals.preview_load(rm, "extract.csv", content)
            db.session.commit()
            assert not load.preview["errors"], load.preview["errors"][:3]
            result = {"load": load.id, "new": load.preview["new"], "unchanged": load.preview["unchanged"]}
        elif phase == "commit":
            result = actuals.commit_load(rm, db.session.get(ActualsLoad, load_id))
            db.session.commit()
        else:
            raise SystemExit(f"unknown phase {phase}")
        db.engine.dispose()
    return finished(result, wall, cpu)


def finished(result, wall: float, cpu: float) -> dict:
    return {
        "result": result,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "peak_mb": peak_mb(),
    }


def child(phase: str, env: dict, path: Path, load_id: int | None = None) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--database", env["DATABASE_URL"], "--file", str(path)]
    if load_id is not None:
        command += ["--load", str(load_id)]
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def report(label: str, figures: dict, *, target: bool = True) -> None:
    beside = f"  (targets {TARGET_S:.0f} s, {TARGET_MB} MB)" if target else ""
    print(
        f"  {label + ':':<45} {figures['wall']:6.2f} s wall, {figures['cpu']:6.2f} s CPU, "
        f"peak {figures['peak_mb']:6.1f} MB{beside}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # the child processes
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--load", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.database, args.file, args.load)))
        return
    rows = args.rows
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "FLASK_APP": "app"}
        for command in (["db", "upgrade"], ["seed", "demo"]):
            subprocess.run(
                [sys.executable, "-m", "flask", *command], cwd=ROOT, env=env, check=True, capture_output=True
            )
        content = extract(rows)
        path = Path(tmp) / "extract.csv"
        path.write_bytes(content)
        del content
        print(f"actuals-extract/1 CSV: {rows:,} rows, {path.stat().st_size / 1024 / 1024:.1f} MB")
        print("Each phase in a child process of its own; peak = that process's peak resident memory (ru_maxrss).")
        report("reference, csv.reader over the file", child("reference", env, path), target=False)
        report("the app's floor: create_app, one query", child("floor", env, path), target=False)
        preview = child("preview", env, path)
        report("preview_load (all new)", preview)
        committed = child("commit", env, path, preview["result"]["load"])
        report(f"commit_load ({committed['result']:,} written)", committed)
        again = child("preview", env, path)
        report(f"preview_load again ({again['result']['unchanged']:,} unchanged)", again)


if __name__ == "__main__":
    main()
