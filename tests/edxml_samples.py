"""Where the field edXML samples live (no open licence, so they are not in the repository).

Looked up in order: $EDXML_SAMPLES_DIR, ../shared/testdata/edxml beside the checkout, and the
workplace's /work/shared/testdata/edxml (CI clones the repository elsewhere on the same machine).
Tests that need them skip with the list of places tried when none exists.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_CANDIDATES = [
    Path(os.environ["EDXML_SAMPLES_DIR"]) if os.environ.get("EDXML_SAMPLES_DIR") else None,
    Path(__file__).resolve().parents[2] / "shared" / "testdata" / "edxml",
    Path("/work/shared/testdata/edxml"),
]
_TRIED = [path for path in _CANDIDATES if path is not None]
SAMPLES = next((path for path in _TRIED if path.is_dir()), _TRIED[-1])
needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(),
    reason="field edXML samples not found at " + ", ".join(str(path) for path in _TRIED),
)
