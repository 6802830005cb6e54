"""Agents: the matcher bot (and, next, the printer gateway)."""
