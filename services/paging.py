"""The one way to read a page of records, for pages and the API alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa

from models import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @classmethod
    def of(cls, records: list[T], page: int, per_page: int) -> Page[T]:
        """A page of records already read (and ordered) in Python."""
        page = max(1, page)
        return cls(records[(page - 1) * per_page : page * per_page], page, per_page, len(records))


def paginate(query: sa.Select, page: int, per_page: int) -> Page:
    """Page `page` (from 1) of an ordered query's records, with the count of them all."""
    page = max(1, page)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, int(total or 0))
