"""The register, the request queue and the rules that govern them.

This package imports nothing else of Rekisteri's: the mailbot, the TUI and the
command line all go through the plain functions defined here.
"""
