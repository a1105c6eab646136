"""Pure logic of Podium: no database, HTTP, clock or globals.

Everything here takes plain values and returns plain values (the current time is passed in as
epoch milliseconds), so it can be unit-tested and property-tested without any fixture.
"""
