"""Budget lines, their totals and the dashboard."""
