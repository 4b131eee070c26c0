"""One unit of work for pages and the API (issue 13): a refused service leaves nothing behind, and
a domain error is answered with the same status whether a page or the API met it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from helpers import Auth, plan_scenario
from markupsafe import escape
from wtforms import StringField
from wtforms.validators import DataRequired

from models import TravelPurpose, db
from services.errors import (
    ConflictError,
    DomainError,
    FundsError,
    PermissionDenied,
    SolverFailed,
    ValidationError,
    WorkflowError,
)
from views.api.core import json_refusal
from views.unit_of_work import Saved, form_page, submit


class PurposeNameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def _purposes() -> list[str]:
    return list(db.session.scalars(sa.select(TravelPurpose.name).order_by(TravelPurpose.name)))


def _add_purpose_then(error: DomainError | None):
    def work():
        db.session.add(TravelPurpose(name="Site visit to the moon"))
        db.session.flush()
        if error is not None:
            raise error
        return "saved"

    return work


REFUSALS = [
    (PermissionDenied("Not yours to change.", fields={"name": "Not yours."}), 403),
    (ValidationError("Check the name.", fields={"name": "Too long."}), 422),
    (FundsError("That would overdraw INCLE.", fields={"name": "Too much."}), 422),
    (ConflictError("Someone else saved first.", fields={"name": "Changed."}), 409),
    (WorkflowError("It is locked.", fields={"name": "Locked."}), 409),
    (SolverFailed("The solver failed; try again.", fields={"name": "Try again."}), 503),
]


@pytest.mark.parametrize(("error", "status"), REFUSALS, ids=lambda value: type(value).__name__)
def test_a_refused_form_writes_nothing_and_answers_as_the_api_does(app, error, status):
    before = _purposes()
    with app.test_request_context("/", method="POST", data={"name": "Site visit to the moon"}):
        form = PurposeNameForm()
        done = submit(form, _add_purpose_then(error))
        api_response, api_status = json_refusal(error)

        assert not done.saved
        assert done.status == status == api_status  # a permission refusal is 403 on a page too
        assert api_response.get_json()["error"]["message"] == error.message
        assert form.name.errors == list(error.fields.values())  # beside the field it is about
    assert _purposes() == before  # the flushed row was rolled back


def test_a_saved_form_is_committed(app):
    with app.test_request_context("/", method="POST", data={"name": "Site visit to the moon"}):
        done = submit(PurposeNameForm(), _add_purpose_then(None))
    db.session.rollback()  # what was committed survives a rollback
    assert done.saved
    assert done.result == "saved"
    assert "Site visit to the moon" in _purposes()


def test_a_form_that_fails_its_checks_does_not_run_the_service(app):
    class RequiredNameForm(PurposeNameForm):
        name = StringField(validators=[DataRequired()])

    with app.test_request_context("/", method="POST", data={"name": ""}):
        done = submit(RequiredNameForm(), _add_purpose_then(None))
    assert (done.saved, done.status) == (False, 422)
    assert "Site visit to the moon" not in _purposes()


def test_a_refused_button_goes_back_with_the_reason_as_a_warning(client):
    plan = plan_scenario()
    auth = Auth(client)
    auth.login("rm@example.gov")

    response = client.post(
        f"/scenarios/{plan.id}/unlock",
        data={"csrf_token": auth.csrf(), "version": plan.version},
        follow_redirects=True,
    )

    assert response.request.path == f"/scenarios/{plan.id}"
    page = response.get_data(as_text=True)
    message = f"{plan.name} is draft; it can't become draft."
    assert str(escape(message)) in page
    alert = page.index("usa-alert--warning")  # a conflict with the record's state, as on every page
    assert alert < page.index(str(escape(message)))


class FilledPurposeForm(PurposeNameForm):
    def fill_from(self, record) -> None:
        self.name.data = record


def _shown(status: int):
    return "the form again", status


def test_a_form_page_shows_the_record_on_a_get_and_runs_nothing(app):
    with app.test_request_context("/"):
        form = FilledPurposeForm()
        answer = form_page(form, _add_purpose_then(None), lambda _: Saved("Added.", "/next"), _shown, fill_from="Fair")
        assert answer == ("the form again", 200)
        assert form.name.data == "Fair"
        assert get_flashed_messages() == []
    assert "Site visit to the moon" not in _purposes()


def test_a_form_page_once_saved_flashes_what_saved_says_and_redirects(app):
    with app.test_request_context("/", method="POST", data={"name": "Site visit to the moon"}):
        form = FilledPurposeForm()
        answer = form_page(
            form,
            _add_purpose_then(None),
            lambda result: Saved.unless_warned(f"Warned: {result}.", "Added.", "/next"),
            _shown,
            fill_from="Fair",  # only on a GET
        )
        assert (answer.status_code, answer.location) == (302, "/next")
        assert form.name.data == "Site visit to the moon"
        assert get_flashed_messages(with_categories=True) == [("warning", "Warned: saved.")]
    db.session.rollback()
    assert "Site visit to the moon" in _purposes()


def test_a_saved_with_no_message_only_redirects(app):
    with app.test_request_context("/", method="POST", data={"name": "Site visit to the moon"}):
        answer = form_page(PurposeNameForm(), _add_purpose_then(None), lambda _: Saved(None, "/run"), _shown)
        assert (answer.status_code, answer.location) == (302, "/run")
        assert get_flashed_messages() == []


def test_saved_unless_warned_is_a_success_without_a_warning():
    assert Saved.unless_warned(None, "Added.", "/next") == Saved("Added.", "/next", "success")


@pytest.mark.parametrize(("error", "status"), REFUSALS, ids=lambda value: type(value).__name__)
def test_a_refused_form_page_is_shown_again_with_the_refusals_status(app, error, status):
    with app.test_request_context("/", method="POST", data={"name": "Site visit to the moon"}):
        form = PurposeNameForm()
        answer = form_page(form, _add_purpose_then(error), lambda _: Saved("Added.", "/next"), _shown)
        assert answer == ("the form again", status)
        assert form.name.errors == list(error.fields.values())
    assert "Site visit to the moon" not in _purposes()
