"""What a rejected upload raises: one message for the person who uploaded it, never a traceback."""

from __future__ import annotations


class ImportRejected(Exception):
    """The whole file is refused; `message` says what is wrong and, where it can, what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
