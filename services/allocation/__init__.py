"""Allocation runs: problems built from the budget, solved, explained and applied."""
