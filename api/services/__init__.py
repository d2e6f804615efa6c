"""Business logic of the service: plain functions over a SQLModel session.

Nothing here imports FastAPI; errors are :class:`api.errors.DomainError`.
Every function that records something takes ``now`` explicitly.
"""
