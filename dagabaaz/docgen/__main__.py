"""``python -m dagabaaz.docgen``: regenerate the generated parts of the docs."""

from dagabaaz.docgen import main

raise SystemExit(main())
