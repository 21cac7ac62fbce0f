"""The ``rekisteri`` command: one module per subcommand, imported only when it runs
(:data:`cli.main.COMMANDS`).  It may start the TUI (``tui``, ``demo``); every other command
imports ``mailbot`` and ``store`` only."""
