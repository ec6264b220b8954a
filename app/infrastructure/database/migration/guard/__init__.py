"""What refuses or records: checksums and the history row of each revision, the production fence, what a downgrade
destroys, and where the database stands. May import ``inspect``.
"""
