"""What an audit event changed, as lines a person can read.

Events hold whatever their service wrote: flat column snapshots, but also a
mapping per line (scenario.make_room), lists (proposal.scores) and counts. The
history table shows them all through this one function, so no event kind can
break a record's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from money import format_dollars

_HIDDEN = frozenset({"version", "updated_at"})  # move on every edit; they say nothing to a person


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def _text(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key.endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
        return format_dollars(value)
    if isinstance(value, list):
        return ", ".join(_text(key, item) for item in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{name}: {_text(name, item)}" for name, item in value.items()) or "none"
    return str(value)


def event_changes(before: Any, after: Any) -> list[Change]:
    """The fields whose value differs between an event's before and after; a mapping on both
    sides (amounts per line) becomes one row per entry that changed."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    changes = []
    for key in [*after, *(key for key in before if key not in after)]:
        old, new = before.get(key), after.get(key)
        if key in _HIDDEN or old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            for name in [*new, *(name for name in old if name not in new)]:
                if old.get(name) != new.get(name):
                    changes.append(Change(f"{key} ({name})", _text(key, old.get(name)), _text(key, new.get(name))))
        else:
            changes.append(Change(key, _text(key, old), _text(key, new)))
    return changes
