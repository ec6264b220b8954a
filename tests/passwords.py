"""Passwords with every character a URL finds awkward, for proving that passwords work and are never shown.

They are checked for real on the ``password_server`` fixture (``scram-sha-256``, tests/password_server.py), where a
mis-decoded password fails to connect; the shared test server trusts local connections and would accept anything.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy.engine import make_url

PASSWORD = "Kq9@Lw8%Pj7/Rz6:Tx5#Vy4?Xg3&Zh2=Bk1+Mn0 Fs4'Ht3\"Ju2\\パス"
"""The superuser password of the ``password_server``: ``@ % / : # ? & = +``, a space, quotes, a backslash, katakana."""
ENCODED = quote(PASSWORD, safe=" +")
"""How SQLAlchemy writes :data:`PASSWORD` in a URL."""


def spellings(password: str) -> set[str]:
    """Every form of ``password`` that must never be printed: whole or in distinctive pieces, raw or URL-encoded.

    A piece is a run of three or more ASCII letters and digits, or a run of non-ASCII characters.
    """
    pieces = {*re.findall(r"[A-Za-z0-9]{3,}", password), *re.findall(r"[^\x00-\x7f]+", password), password}
    return {*pieces, *(quote(piece, safe="") for piece in pieces), quote(password, safe=" +")}


def with_password(url: str, **changes: str | int) -> str:
    """``url`` with :data:`PASSWORD` (URL-encoded in the text) and the plain ``postgresql://`` scheme people paste."""
    changed = make_url(url).set(drivername="postgresql", password=PASSWORD, **changes)
    text = changed.render_as_string(hide_password=False)
    assert ENCODED in text
    return text


def reveals_password(text: str, password: str = PASSWORD) -> bool:
    """True when ``text`` holds any spelling (or any distinctive piece) of ``password``."""
    return any(secret in text for secret in spellings(password))
