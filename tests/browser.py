"""What the Playwright journeys do in the browser over and over: wait for a page, sign in."""

from __future__ import annotations

from helpers import DEMO_PASSWORD
from playwright.sync_api import Page

LAPTOP = {"width": 1366, "height": 900}  # the office's laptop screen (issue 15): what must fit without scrolling


def navigate(page: Page, action) -> None:
    """Do what loads another page and wait for its load event: app.js (the autosubmit
    selects) runs at the end of the body, so a page is usable only from then on."""
    with page.expect_navigation(wait_until="load"):
        action()


def sign_in(page: Page, base_url: str, email: str = "rm@example.gov") -> None:
    """Sign in through the form as `email` (anyone signed in before is signed out first)."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/login", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    navigate(page, page.get_by_role("button", name="Sign in").click)
