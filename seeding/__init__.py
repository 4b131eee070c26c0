"""Loaders of the reference data in fixtures/, the demo office and scale data (not use cases)."""
