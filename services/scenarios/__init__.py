"""Scenarios: their lifecycle, comparison, and the submission workbook out and back in."""
