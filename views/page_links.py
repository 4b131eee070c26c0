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
    if pages <= ALL_SHOWN_UP_TO:
        candidates = set(range(1, pages + 1))
    else:  # built from the few numbers shown, never by walking every page (there may be 20,000)
        candidates = {1, pages, page - 1, page, page + 1}
        if page <= 4:
            candidates.update(range(1, 6))
        if page >= pages - 3:
            candidates.update(range(pages - 4, pages + 1))
    numbers = sorted(n for n in candidates if 1 <= n <= pages)
    shown: list[int | None] = []
    for n in numbers:
        if shown and n - shown[-1] > 1:
            shown.append(None)
        shown.append(n)
    return PageLinks(page, pages, tuple(shown))
