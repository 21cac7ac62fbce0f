"""The mail side: reading the privacy inbox, classifying, sending the outbox.

Imports ``store`` and never Textual: the daemon runs headless beside the database.
"""
