"""Running Alembic: the locked, timed run on the caller's connection, one transaction per revision.

``runner`` drives a command; ``session`` readies the connection (``locking``, ``timeouts``, ``foreign_keys``);
``events`` is what a run reports while it waits or retries; ``environment`` is what ``alembic/env.py`` imports.
May import ``adopt``, ``guard`` and ``inspect``.
"""
