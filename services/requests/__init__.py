"""Travel and staffing requests: drafting, costing, the workflow and the lines they write."""
