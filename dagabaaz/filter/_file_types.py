"""File-type classification behind the virtual filter field ``file_type``.

The order of the checks is the documented contract (docs/concepts/edge-filters.md):

1. A subtitle or archive extension decides alone, whatever the MIME type
   (``.srt`` is often served as ``text/plain``, ``.zip`` as anything).
2. A specific MIME type decides next: a known subtitle or archive type, or
   a ``video/``, ``audio/`` or ``image/`` major type; any other specific
   type means ``other``.
3. With no MIME type, or a generic one (``application/octet-stream``), a
   video, audio or image extension decides.
4. Everything else is ``other``.
"""

from __future__ import annotations

from typing import Final

from dagabaaz.constants import FileType

__all__ = ["classify", "extension_of"]

_SUBTITLE_EXTENSIONS: Final = frozenset(
    {"srt", "vtt", "webvtt", "ass", "ssa", "sub", "idx", "sbv", "ttml", "dfxp", "smi", "sami"}
    | {"stl", "scc", "usf", "sup", "mpl2"}
)
_ARCHIVE_EXTENSIONS: Final = frozenset(
    {"zip", "tar", "gz", "tgz", "bz2", "tbz", "tbz2", "xz", "txz", "7z", "rar", "zst", "tzst"}
    | {"lz", "lzma", "lz4", "z", "cab", "cpio", "arj", "jar", "iso", "dmg"}
)
# ".ts" is an MPEG transport stream here: media pipelines meet those far more
# often than TypeScript sources, which carry a text MIME type when typed.
_VIDEO_EXTENSIONS: Final = frozenset(
    {"mp4", "m4v", "mkv", "webm", "mov", "avi", "wmv", "flv", "f4v", "mpg", "mpeg", "m2ts"}
    | {"mts", "ts", "m2v", "3gp", "3g2", "ogv", "vob", "asf", "rm", "rmvb", "divx", "mxf"}
)
_AUDIO_EXTENSIONS: Final = frozenset(
    {"mp3", "m4a", "m4b", "aac", "flac", "wav", "ogg", "oga", "opus", "wma", "aiff", "aif"}
    | {"alac", "ape", "mka", "mid", "midi", "amr", "ac3", "eac3", "dts", "weba"}
)
_IMAGE_EXTENSIONS: Final = frozenset(
    {"jpg", "jpeg", "jpe", "png", "gif", "webp", "bmp", "tif", "tiff", "svg", "heic", "heif"}
    | {"avif", "ico", "jxl", "psd", "raw", "cr2", "nef", "dng", "arw"}
)
_MEDIA_EXTENSIONS: Final[dict[str, FileType]] = {
    **dict.fromkeys(_VIDEO_EXTENSIONS, FileType.VIDEO),
    **dict.fromkeys(_AUDIO_EXTENSIONS, FileType.AUDIO),
    **dict.fromkeys(_IMAGE_EXTENSIONS, FileType.IMAGE),
}
_SUBTITLE_MIME_TYPES: Final = frozenset(
    {"text/vtt", "application/x-subrip", "text/x-subrip", "text/srt", "application/x-ssa"}
    | {"text/x-ssa", "text/x-ass", "application/ttml+xml", "text/x-microdvd"}
    | {"application/x-sami"}
)
_ARCHIVE_MIME_TYPES: Final = frozenset(
    {"application/zip", "application/x-zip-compressed", "application/x-tar"}
    | {"application/gzip", "application/x-gzip", "application/x-bzip2", "application/x-xz"}
    | {"application/x-7z-compressed", "application/vnd.rar", "application/x-rar-compressed"}
    | {"application/zstd", "application/x-lzma", "application/x-lz4", "application/java-archive"}
)
_MEDIA_MAJOR_TYPES: Final[dict[str, FileType]] = {
    "video": FileType.VIDEO,
    "audio": FileType.AUDIO,
    "image": FileType.IMAGE,
}
_GENERIC_MIME_TYPES: Final = frozenset(
    {"application/octet-stream", "binary/octet-stream", "application/unknown"}
    | {"application/x-download", "application/force-download"}
)


def extension_of(file_name: str) -> str:
    """Return the lower-case extension of ``file_name`` without its dot.

    Only the last path segment counts, and a leading dot names a hidden
    file rather than an extension: ``"a/b.tar.GZ"`` gives ``"gz"``,
    ``".bashrc"`` and ``"README"`` give ``""``.
    """
    base = file_name.replace("\\", "/").rpartition("/")[2]
    stem, dot, extension = base.rpartition(".")
    if not dot or not stem.strip("."):
        return ""
    return extension.lower()


def classify(file_name: str, mime_type: str | None) -> FileType:
    """Return the file family of a file from its name and MIME type."""
    extension = extension_of(file_name)
    if extension in _SUBTITLE_EXTENSIONS:
        return FileType.SUBTITLE
    if extension in _ARCHIVE_EXTENSIONS:
        return FileType.ARCHIVE
    essence = _mime_essence(mime_type)
    if essence:
        return _classify_mime(essence)
    return _MEDIA_EXTENSIONS.get(extension, FileType.OTHER)


def _mime_essence(mime_type: str | None) -> str:
    """Return the lower-case ``type/subtype`` of a MIME type, or "" when it says nothing."""
    if not isinstance(mime_type, str):
        return ""
    essence = mime_type.partition(";")[0].strip().lower()
    major, slash, minor = essence.partition("/")
    if not slash or not major or not minor or essence in _GENERIC_MIME_TYPES:
        return ""
    return essence


def _classify_mime(essence: str) -> FileType:
    if essence in _SUBTITLE_MIME_TYPES:
        return FileType.SUBTITLE
    if essence in _ARCHIVE_MIME_TYPES:
        return FileType.ARCHIVE
    return _MEDIA_MAJOR_TYPES.get(essence.partition("/")[0], FileType.OTHER)
