"""Selecting proposals to fund by mixed-integer programming."""
