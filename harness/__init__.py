"""What the tests and the benchmarks share: throwaway databases, queries on them, the installed commands.

Neither ``tests/`` nor ``benchmarks/`` imports the other; both import this package (and ``app``).
"""
