"""Funds control: appropriations, what is available, and the one lock on each."""
