"""Print the N-th (1-based) shell code block of a Markdown file."""

import re
import sys

FENCE = re.compile(r"^```(?:sh|bash|shell|console)\s*\n(.*?)^```", re.M | re.S)


def main() -> None:
    """Print the requested block, or exit with a message when it is missing."""
    path, index = sys.argv[1], int(sys.argv[2])
    with open(path, encoding="utf-8") as handle:
        blocks = FENCE.findall(handle.read())
    if len(blocks) < index:
        sys.exit(f"{path}: has {len(blocks)} shell blocks, wanted block {index}")
    print(blocks[index - 1].strip())


if __name__ == "__main__":
    main()
