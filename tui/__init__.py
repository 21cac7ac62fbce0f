"""The staff terminal UI (Textual).

The command line lives beside it in :mod:`cli`; only ``rekisteri tui`` and ``rekisteri
demo`` import this package, so the mailbot and every other command never load Textual.
"""
