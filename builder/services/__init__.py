"""Writes: every change to stored objects goes through a function here."""
