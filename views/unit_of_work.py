"""The one unit of work of pages and the API: run one service, commit once when it succeeds, roll
back when it raises a DomainError, and answer the error through the one table below.

The transaction's locking is chosen before the view runs (views.transactions): a write request's
unit of work began with SQLite's write lock, a @reads_until_write route's takes it at its first
write. Nothing here begins a transaction of its own, so both keep their meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import abort, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue

from models import db
from services.errors import ConflictError, DomainError, FundsError, PermissionDenied, SolverFailed, ValidationError

T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """What a domain error becomes: its HTTP status, its flash category, and whether a page flashes
    it even when its message also stands beside the fields it names."""

    status: int
    category: str = "error"
    always_flashed: bool = False


# The one map from domain errors to answers, most specific first: pages and the API read it alike.
REFUSALS: tuple[tuple[type[DomainError], Refusal], ...] = (
    (PermissionDenied, Refusal(403)),
    (ConflictError, Refusal(409, "warning", always_flashed=True)),  # a WorkflowError too
    (FundsError, Refusal(422, always_flashed=True)),
    (SolverFailed, Refusal(503, always_flashed=True)),
    (ValidationError, Refusal(422)),
)
UNCLASSIFIED = Refusal(422)


def refusal(error: DomainError) -> Refusal:
    return next((answer for kind, answer in REFUSALS if isinstance(error, kind)), UNCLASSIFIED)


def perform(service: Callable[..., T], *args, **kwargs) -> T:
    """Run one service and commit once; on a DomainError roll back and raise it again (the API's
    operation decorator answers it as JSON, `submit` and `act` as a page)."""
    try:
        result = service(*args, **kwargs)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


@dataclass(frozen=True)
class Submission(Generic[T]):
    """A form page's outcome: `saved` with the service's result, or the status to render the form with."""

    saved: bool
    result: T | None = None
    status: int = 200


def submit(form, work: Callable[[], T], *, ready: bool = True) -> Submission[T]:
    """A form page's unit of work. Shown, or not `ready` (the form is being rearranged): 200.
    Sent but failing its checks: 422. Valid: `work` runs (a thunk, so it reads the form only once
    it is valid) and is committed, or its refusal is put on the form with the table's status."""
    if not form.is_submitted() or not ready:
        return Submission(False)
    if not form.validate_on_submit():
        return Submission(False, status=422)
    try:
        return Submission(True, perform(work))
    except DomainError as error:
        return Submission(False, status=show_on_form(form, error))


@dataclass(frozen=True)
class Saved:
    """Where a form page goes once its work is committed: `message` flashed (none when None) with
    `category`, then a redirect to `url`."""

    message: str | None
    url: str
    category: str = "success"

    @classmethod
    def unless_warned(cls, warning: str | None, message: str, url: str) -> Saved:
        """The service's warning, flashed as a warning, in place of `message` when it gave one."""
        return cls(warning or message, url, "warning" if warning else "success")


def form_page(
    form,
    work: Callable[[], T],
    saved: Callable[[T], Saved],
    page: str | Callable[[int], ResponseReturnValue],
    /,
    *,
    fill_from=None,
    ready: bool = True,
    **context,
) -> ResponseReturnValue:
    """A whole form page in one call, so a page view reads: load, guard, `return form_page(...)`,
    and the skeleton every form page shares (fill, submit, flash and redirect, or show again with
    the status) is written once.

    On a GET the form shows `fill_from`, a record, when one is given. Then `submit(form, work,
    ready=ready)`. Once committed, `saved(result)` says what to flash and where to go: it runs after
    the commit, so it reads the record as saved. Otherwise the form is shown again with submit's
    status (200 shown, 422 failing its checks, the refusal's status): `page` is its template,
    rendered with `form` and `context`, or a function of the status that answers, for a page that
    reads more than the form's own records (read only when it is shown, after any rollback)."""
    if fill_from is not None and request.method == "GET":
        form.fill_from(fill_from)
    done = submit(form, work, ready=ready)
    if done.saved:
        then = saved(done.result)
        if then.message is not None:
            flash(then.message, then.category)
        return redirect(then.url)
    if callable(page):
        return page(done.status)
    return render_template(page, form=form, **context), done.status


def show_on_form(form, error: DomainError) -> int:
    """Put the error on the form's named fields (rows too, where the form places them); flash it
    when it belongs to no field or the table says so; return its status."""
    answer = refusal(error)
    fields = form.place_errors(error.fields) if hasattr(form, "place_errors") else error.fields
    placed = False
    for name, message in fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
            placed = True
    if not placed or answer.always_flashed:
        flash(error.message, answer.category)
    return answer.status


def button_action(back: str, work: Callable[[], T], form=None) -> T:
    """A button's unit of work: `work`'s result once committed; a refusal is flashed and the request
    ends with a redirect to `back`, the page the button was on. What the refusal says about the
    fields of the button's `form` is flashed instead of its message: after a redirect no field can
    stand highlighted."""
    try:
        return perform(work)
    except DomainError as error:
        about_form = [message for name, message in error.fields.items() if form is not None and name in form]
        flash(" ".join(about_form) or error.message, refusal(error).category)
        abort(redirect(back))
