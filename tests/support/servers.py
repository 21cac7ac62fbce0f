"""Fixtures that start real servers (Dovecot, aiosmtpd).  Each lives in its own module,
listed here so conftest.py stays small."""

pytest_plugins: list[str] = ["tests.support.smtp_server", "tests.support.imap_server"]
