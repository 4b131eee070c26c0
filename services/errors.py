"""Domain errors that services raise and views turn into form errors, flashes or JSON."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: `message` is written for the person who caused it."""

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(DomainError):
    """The input is well-formed but not acceptable (HTTP 422)."""


class PermissionDenied(DomainError):
    """The actor's role or division does not allow this (HTTP 403)."""


class ConflictError(DomainError):
    """Someone else changed the record since it was read, or its state forbids the action (HTTP 409)."""


class WorkflowError(ConflictError):
    """A transition that the record's current state does not allow."""


class FundsError(DomainError):
    """The change would overdraw an appropriation (Antideficiency Act)."""


class SolverFailed(DomainError):
    """The optimiser itself failed (not the problem): nothing was saved; trying again may work (HTTP 503)."""
