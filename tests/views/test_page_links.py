"""Pagination: which page numbers a long list offers."""

from __future__ import annotations

import pytest

from views.page_links import page_links


@pytest.mark.parametrize(
    ("page", "total", "shown"),
    [
        (1, 50, (1,)),
        (2, 350, (1, 2, 3, 4, 5, 6, 7)),  # seven pages: every one
        (1, 1000, (1, 2, 3, 4, 5, None, 20)),
        (10, 1000, (1, None, 9, 10, 11, None, 20)),
        (20, 1000, (1, None, 16, 17, 18, 19, 20)),
        (99, 1000, (1, None, 16, 17, 18, 19, 20)),  # past the end: the last page
        (0, 0, (1,)),  # nothing: one empty page
        (10_000, 1_000_000, (1, None, 9_999, 10_000, 10_001, None, 20_000)),  # a million lines, mid-list
        (4, 1_000_000, (1, 2, 3, 4, 5, None, 20_000)),
        (19_997, 1_000_000, (1, None, 19_996, 19_997, 19_998, 19_999, 20_000)),
    ],
)
def test_the_pages_shown(page, total, shown):
    assert page_links(page, 50, total).shown == shown


def test_previous_and_next_stop_at_the_ends():
    assert (page_links(1, 50, 120).previous, page_links(1, 50, 120).next) == (None, 2)
    assert (page_links(3, 50, 120).previous, page_links(3, 50, 120).next) == (2, None)
