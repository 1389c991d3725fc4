"""Distributed rendering on Ray (optional extra)."""
