"""Issue 16, done when: a resource manager starts an allocation sweep from the page, watches its
progress bar move without reloading, and gets the result. The sweep is of a 3,760-cell run (seven
solves); the consumer is the real one, a process of its own.

However fast the machine, the bar is seen mid-way: the test freezes the consumer (SIGSTOP) at a
moment its job stands between 0% and 100%, and the page, still polling the web server, must show
that figure before the consumer goes on."""

from __future__ import annotations

import os
import re
import signal
import time

from browser import navigate, sign_in
from consumer import job_row, start_consumer, stop
from helpers import plan_scenario, user
from playwright.sync_api import Page, expect

from bench.bench_planner import synthetic_problem
from models import AllocationRun, Job, JobState, db
from models.base import transactions_write_locked
from services.allocation import runs as allocation

# Every value the progress bar takes, as the page's script sets it (read by the test, not the page).
_WATCH = """() => {
  window.seenProgress = [];
  const bar = document.querySelector('progress.job-progress');
  new MutationObserver(() => window.seenProgress.push(Number(bar.getAttribute('value'))))
    .observe(bar, {attributes: true, attributeFilter: ['value']});
}"""


def _large_run() -> int:
    run = allocation.run_allocation(user("rm@example.gov"), plan_scenario(), synthetic_problem(1), settings=None)
    db.session.commit()
    return run.id


def _frozen_mid_way(consumer, job_id: int, live_server, wait_s: float = 120) -> int:
    """Stop the consumer at a moment its job stands strictly between 0% and 100%; that figure."""
    ends = time.monotonic() + wait_s
    while time.monotonic() < ends:
        os.kill(consumer.pid, signal.SIGSTOP)
        with transactions_write_locked(False):  # a reader: it must not wait on the lock the frozen consumer may hold
            progress = live_server.read(lambda: job_row(job_id).progress)
        if 0 < progress < 100:
            return progress
        os.kill(consumer.pid, signal.SIGCONT)
        assert progress < 100, "the sweep ended between two looks 10 ms apart"
        time.sleep(0.01)
    raise AssertionError(f"the job did not start within {wait_s} s")


def test_a_sweep_shows_its_progress_bar_moving_then_its_result(page: Page, live_server):
    run_id = live_server.read(_large_run)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/allocation-runs/{run_id}", wait_until="load")
    page.get_by_label("Appropriation").select_option("INCLE-FY27")
    navigate(page, page.get_by_role("button", name="Show how totals move").click)

    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    job_id = int(re.search(r"/jobs/(\d+)$", page.url).group(1))
    expect(page.get_by_test_id("job-state")).to_have_text("Queued")
    page.evaluate(_WATCH)
    consumer = start_consumer(live_server.app)  # the consumer starts after the page: the bar starts at 0
    try:
        middle = _frozen_mid_way(consumer, job_id, live_server)
        # The consumer stands still; the page, polling, catches up without a reload.
        expect(page.get_by_test_id("job-percent")).to_have_text(f"{middle}%")
        expect(page.get_by_test_id("job-state")).to_have_text("Running")
        os.kill(consumer.pid, signal.SIGCONT)
        result = page.get_by_test_id("job-result")
        expect(result).to_be_visible(timeout=120_000)
    finally:
        os.kill(consumer.pid, signal.SIGCONT)  # harmless if it runs; needed to stop it otherwise
        output = stop(consumer)
    seen = page.evaluate("window.seenProgress")
    assert middle in seen, (seen, output)  # the bar itself took the figure, without a reload
    assert seen == sorted(seen)
    assert seen[-1] == 100
    expect(page.get_by_test_id("job-state")).to_have_text("Succeeded")
    expect(page.get_by_test_id("job-percent")).to_have_text("100%")

    job = live_server.read(lambda: db.session.get(Job, job_id))
    assert (job.state, job.result_id) == (JobState.SUCCEEDED, run_id)
    navigate(page, result.click)
    expect(page).to_have_url(re.compile(rf"/allocation-runs/{run_id}/sensitivity\?job={job_id}$"))
    table = page.get_by_test_id("sweep-table")
    for level in ("70%", "100%", "130%"):
        expect(table.get_by_role("columnheader", name=level)).to_be_visible()
    available = live_server.read(
        lambda: next(
            f["available"] for f in db.session.get(AllocationRun, run_id).problem["funds"] if f["id"] == "INCLE-FY27"
        )
    )
    expect(table).to_contain_text(f"${int(available):,}")  # the 100% level is the fund as it is
