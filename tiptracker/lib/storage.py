"""Private file storage for built exports: outside MEDIA_ROOT and the static files, never served
by URL. The views that hand files out check who asks."""

from functools import cached_property

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateExportStorage(FileSystemStorage):
    """Files under `EXPORTS_ROOT` (read when first used, so test settings can move it)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.EXPORTS_ROOT)

    def url(self, name):
        raise ValueError("Exports have no public URL; a view serves them to their owner.")


_storage = PrivateExportStorage()


def private_storage() -> PrivateExportStorage:
    """Return the storage of built exports (a callable, so migrations do not freeze a path)."""
    return _storage
