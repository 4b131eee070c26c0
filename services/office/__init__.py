"""The office itself: accounts, reference data, settings."""
