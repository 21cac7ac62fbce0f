"""The staff terminal UI (Textual) and, at the top of the import chain, the command line.

``tui.cli`` holds the ``rekisteri`` command.  It lives here because it may start the TUI;
its other subcommands (``mailbot`` above all) never import Textual.
"""
