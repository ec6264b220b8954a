"""The relational database: engine, models and the migration system."""
