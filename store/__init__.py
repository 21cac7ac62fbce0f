"""The register, the request queue and the rules that govern them.

This package imports nothing else of Rekisteri's: the mailbot, the TUI and the
command line all go through the plain functions defined here.
"""


def _import_peewee_without_its_postgresql_driver() -> None:
    """Import peewee with psycopg hidden from it, so a command on SQLite does not pay for
    loading the PostgreSQL driver (~0.1 s of every start: peewee imports it at its own
    import when it is installed).  :func:`store.db.give_peewee_its_postgresql_driver` hands
    it over when a PostgreSQL URL is opened.  A process that imported either first keeps
    peewee as it is."""
    import sys

    if "peewee" in sys.modules or "psycopg" in sys.modules:
        return
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # an import of it fails
    try:
        import peewee  # noqa: F401
    finally:
        del sys.modules["psycopg"]


_import_peewee_without_its_postgresql_driver()
