"""The pure domain: the workshop's records and rules, with no I/O.

Everything here is plain data and functions; the store, the bus and the web layer call into it,
never the other way round.
"""
