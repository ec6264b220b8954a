"""A password with URL-encoded characters, for proving that passwords work and are never shown.

PostgreSQL in the test set-up trusts local connections, so it accepts (and ignores) the password in these URLs.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

PASSWORD = "p@ss%word"
ENCODED = "p%40ss%25word"
SECRETS = (PASSWORD, ENCODED, "p@ss", "ss%25")
"""Every spelling of the password that must never appear in output, logs or exception messages."""


def with_password(url: str, **changes: str | int) -> str:
    """``url`` with :data:`PASSWORD` (URL-encoded in the text) and the plain ``postgresql://`` scheme people paste."""
    changed = make_url(url).set(drivername="postgresql", password=PASSWORD, **changes)
    text = changed.render_as_string(hide_password=False)
    assert ENCODED in text
    return text


def reveals_password(text: str) -> bool:
    """True when ``text`` holds any spelling of :data:`PASSWORD`."""
    return any(secret in text for secret in SECRETS)
