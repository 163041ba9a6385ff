"""Helpers that belong to no domain: dates in words, spreadsheets, PDF text, storage, URLs.

The bottom layer: every app may import it, and it imports no app.
"""
