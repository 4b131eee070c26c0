"""Office settings with defaults from the configuration."""

from __future__ import annotations

from flask import current_app

from models import FundsControl, OfficeSetting, User, db
from services.audit.events import record_event

FUNDS_CONTROL_KEY = "funds_control"


def funds_control() -> FundsControl:
    row = db.session.get(OfficeSetting, FUNDS_CONTROL_KEY)
    value = row.value if row is not None else current_app.config["FUNDS_CONTROL"]
    return FundsControl(value)


def set_funds_control(actor: User, control: FundsControl) -> None:
    row = db.session.get(OfficeSetting, FUNDS_CONTROL_KEY)
    before = {"value": funds_control().value}
    if row is None:
        row = OfficeSetting(key=FUNDS_CONTROL_KEY, value=control.value)
        db.session.add(row)
    else:
        row.value = control.value
    record_event(
        actor,
        "setting.update",
        "office_setting",
        None,
        before=before,
        after={"value": control.value},
        reason=FUNDS_CONTROL_KEY,
    )
    db.session.flush()
