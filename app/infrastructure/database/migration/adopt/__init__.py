"""Legacy databases: detecting their state from replayed definitions, comparing table shapes, repairing and stamping.
May import ``guard`` and ``inspect``.
"""
