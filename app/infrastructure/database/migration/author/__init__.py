"""Writing and reviewing revisions: autogenerate (``authoring``), rename hints, and lint (squawk plus our own rules).
May import ``inspect``.
"""
