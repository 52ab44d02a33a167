import sys
from pathlib import Path

MEDIA_DIR = Path(__file__).resolve().parents[2] / "examples" / "media"

# The example is a folder of scripts, not a package: import it the way its plugins file does.
if str(MEDIA_DIR) not in sys.path:
    sys.path.insert(0, str(MEDIA_DIR))
