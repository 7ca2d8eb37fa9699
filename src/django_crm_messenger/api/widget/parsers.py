"""A JSON parser for hostile input: UTF-8 only, bounded nesting, never a 500."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def load_json(raw: bytes) -> Any:
    """Parse UTF-8 JSON without NaN or Infinity; raise ValueError or RecursionError if invalid."""
    return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)


class StrictJSONParser(BaseParser):
    """Parse the body as UTF-8 JSON whatever ``charset`` the ``Content-Type`` names.

    DRF's JSONParser decodes with the charset the client names, and Python
    codecs such as ``zlib`` or ``rot13`` would then decompress or crash
    instead of decoding. Deeply nested arrays raise RecursionError rather than
    ValueError, which would otherwise surface as a 500.
    """

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            return load_json(raw)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc
