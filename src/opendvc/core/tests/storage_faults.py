"""The local storage failing as a disk does: ``unreadable_disk`` makes reading (opening, sizing)
stored objects raise an I/O error, ``unwritable_disk`` saving them. Both patch the storage's own
methods, not the portal's code that calls them."""

from __future__ import annotations

import errno

from django.core.files.storage import storages


def _storage_class():
    return type(storages["default"])


def unreadable_disk(monkeypatch, *names):
    """The local storage fails to read ``names`` (a disk error), or every object when none is given."""
    storage = _storage_class()
    real_open, real_size = storage._open, storage.size

    def failing(real):
        def read(self, name, *args):
            if not names or name in names:
                raise OSError(errno.EIO, "Input/output error")
            return real(self, name, *args)

        return read

    monkeypatch.setattr(storage, "_open", failing(real_open))
    monkeypatch.setattr(storage, "size", failing(real_size))


def unwritable_disk(monkeypatch):
    """The local storage fails to save any object (a full or read-only disk)."""

    def write(self, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_storage_class(), "_save", write)
