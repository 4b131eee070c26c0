"""Reprogramming: moving money within an appropriation after enactment, with the committees\x27 notice."""
