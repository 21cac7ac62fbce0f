"""Reusable pieces of the staff screens."""
