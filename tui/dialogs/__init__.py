"""One modal dialog per module; each returns its value with ``dismiss``."""
