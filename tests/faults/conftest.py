"""The fault tests reuse the case factory of the case tests."""

from tests.cases.conftest import make_case

__all__ = ["make_case"]
