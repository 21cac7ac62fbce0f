"""The ``rekisteri`` command: one subcommand per module, registered in :mod:`tui.cli.main`."""
