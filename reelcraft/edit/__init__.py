"""Editing: the `Timeline` data structure, the beat grid that places cuts, and the frame-source registry."""
