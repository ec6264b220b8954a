"""Reading, never changing: the revision graph and ranges, a revision rendered offline, drift, comparison rules and
foreign tables. Imports no other wing.
"""
