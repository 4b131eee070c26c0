"""Which page numbers a list's pagination shows (templates/_macros.html draws them)."""

from __future__ import annotations

from dataclasses import dataclass

ALL_SHOWN_UP_TO = 7  # with more pages than this, the far ones fold into an ellipsis


@dataclass(frozen=True)
class PageLinks:
    page: int  # the current page, within 1..pages
    pages: int
    shown: tuple[int | None, ...]  # page numbers in order; None where pages are left out

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def page_links(page: int, per_page: int, total: int) -> PageLinks:
    """The first and last pages, the current one and its neighbours, and five at either end when
    the current page is near it."""
    pages = max(1, -(-max(total, 0) // max(per_page, 1)))
    page = min(max(int(page), 1), pages)
    numbers = [
        n
        for n in range(1, pages + 1)
        if pages <= ALL_SHOWN_UP_TO
        or n in (1, pages)
        or abs(n - page) <= 1
        or (page <= 4 and n <= 5)
        or (page >= pages - 3 and n >= pages - 4)
    ]
    shown: list[int | None] = []
    for n in numbers:
        if shown and n - shown[-1] > 1:
            shown.append(None)
        shown.append(n)
    return PageLinks(page, pages, tuple(shown))
