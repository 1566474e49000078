"""Uploaded files streamed from the request body to a folder: never whole in memory, cut off at the size limit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

NAME_LENGTH = 120


class Refused(Exception):  # noqa: N818 - an outcome, not a bug
    """The upload is refused: `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class _Receiver:
    folder: Path
    allowed: frozenset[str]  # file name extensions
    max_file_bytes: int
    max_files: int
    names: list[str] = field(default_factory=list)
    _headers: dict[bytes, bytes] = field(default_factory=dict)
    _field: bytes = b""
    _out: BinaryIO | None = None
    _size: int = 0

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._headers[self._field.lower()] = self._headers.get(self._field.lower(), b"") + data[start:end]

    def header_end(self) -> None:
        self._field = b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._headers = {}
        if options.get(b"name") != b"files":
            self._out = None  # another form field: ignored
            return
        name = safe_filename(options.get(b"filename", b"").decode("utf-8", "replace"))
        if Path(name).suffix.lower() not in self.allowed:
            raise Refused(415, f"{name}: unsupported file type; allowed: {', '.join(sorted(self.allowed))}")
        if len(self.names) >= self.max_files:
            raise Refused(413, f"more than {self.max_files} files in one upload")
        self.names.append(name)
        self._size = 0
        self._out = open(self.folder / f"{len(self.names):04d}-{name}", "wb")  # noqa: SIM115 - closed at part end

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._out is None:
            return
        self._size += end - start
        if self._size > self.max_file_bytes:
            raise Refused(413, f"{self.names[-1]}: larger than {self.max_file_bytes / 1e6:g} MB (HUMUS_MAX_FILE_MB)")
        self._out.write(data[start:end])

    def part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def close(self) -> None:
        self.part_end()


async def receive_files(
    request: Request, folder: Path, allowed: frozenset[str], max_file_bytes: int, max_files: int
) -> list[str]:
    """Write the `files` parts of a multipart request into `folder`; returns their (safe) names in order.

    Raises Refused (400, 413, 415) as soon as the body shows what is wrong: nothing more is read.
    """
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Refused(400, "send the files as multipart/form-data, in a field named `files`")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_files * (max_file_bytes + 4096):
        raise Refused(413, f"the request is larger than {max_files} files of {max_file_bytes / 1e6:g} MB")
    receiver = _Receiver(folder, allowed, max_file_bytes, max_files)
    parser = MultipartParser(
        boundary,
        {
            "on_header_field": receiver.header_field,
            "on_header_value": receiver.header_value,
            "on_header_end": receiver.header_end,
            "on_headers_finished": receiver.headers_finished,
            "on_part_data": receiver.part_data,
            "on_part_end": receiver.part_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except Refused:
        raise
    except Exception as exc:  # the multipart parser's own errors: a malformed body
        raise Refused(400, f"malformed multipart body: {exc}") from exc
    finally:
        receiver.close()
    if not receiver.names:
        raise Refused(400, "no file in the request: send them in a multipart field named `files`")
    return receiver.names


def safe_filename(name: str) -> str:
    """The last component of a client's file name, reduced to safe characters (no path, no hidden file), at most
    NAME_LENGTH characters with its extension kept."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = re.sub(r"[^\w.\-]+", "_", base, flags=re.ASCII).lstrip("._")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(suffix) <= 10:
        base = stem[: NAME_LENGTH - len(suffix) - 1] + "." + suffix
    return base[:NAME_LENGTH] or "upload"
