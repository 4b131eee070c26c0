"""Programs: awards, funding notices, proposals and their selection."""
