"""Use cases: plain functions on models. They flush, never commit; the caller commits once."""
