"""Application-wide configuration and errors."""
