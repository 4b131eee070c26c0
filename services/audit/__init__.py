"""The audit trail: recording events and reading them back."""
