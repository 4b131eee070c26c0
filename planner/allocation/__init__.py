"""Allocating funds to a grid of cells by linear programming."""
