"""Request bodies: multipart uploads through the same checks as the evidence form, and JSON.

Django tidies a file name while parsing (`../x.pdf` becomes `x.pdf`) and keeps an oversized file
in full; `tracker.uploads.record_upload` keeps the names as sent and caps what is stored, so the
form can refuse both. This parser routes DRF's multipart parsing through it. (A session's CSRF
check reads the body through DRF's request too, so it also goes through here.)
"""

from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, MultiPartParser

from tracker import uploads


class RecordingMultiPartParser(MultiPartParser):
    """Parse multipart bodies recording each file's name and size as the client sent them."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]._request
        request.upload_record = uploads.record_upload(request)
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            data, files = request.parse_file_upload(meta, stream)
        except MultiPartParserError as exc:
            raise ParseError(
                gettext("The multipart body could not be read: %(error)s") % {"error": exc}
            ) from exc
        return DataAndFiles(data, files)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than Python's parser goes is refused (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("The JSON body is nested too deeply to be read.") from exc
