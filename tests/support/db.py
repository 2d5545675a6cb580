"""Rows a whole test module reads, made once for the module instead of once per test."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import transaction

T = TypeVar("T")


@contextmanager
def loaded_for_the_module(django_db_blocker: Any, load: Callable[[], T]) -> Iterator[T]:
    """Run ``load`` in a transaction that stays open while the module's tests run, and roll it
    back after them. Each test's own transaction nests in it (a savepoint, rolled back after
    the test as usual), so a test sees what ``load`` wrote and never what another test wrote,
    in any order.

    For a module-scoped, autouse fixture (after ``django_db_setup``): every test of the
    module then sees the same rows, including a test that does not name the fixture. Not for
    transactional tests (``transaction=True``, ``live_server``), which would see none of it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            loaded = load()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield loaded
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
