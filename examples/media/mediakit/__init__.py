"""Small, dependency-free readers for the media example: MP4 headers and subtitles."""
