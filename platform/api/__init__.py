"""The GraphQL toolkit every app builds its API with.

It lives in the core (not in the project package) so that apps can use it without importing ``wildnet``:
object types whose querysets and ``node(id)`` go through the policy, loaders for nested fields that also go
through the policy, connections with ``totalCount``, typed errors and the mutation base class.
"""
