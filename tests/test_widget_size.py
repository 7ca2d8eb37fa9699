"""The widget's size budget: what every page view of a customer's site downloads."""

import gzip
from pathlib import Path

STATIC = (
    Path(__file__).resolve().parents[1] / "src" / "django_crm_messenger" / "static" / "messenger"
)
BUDGET_BYTES = 12 * 1024


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_widget_fits_size_budget():
    sizes = {name: gzipped_size(STATIC / name) for name in ("widget.js", "widget.css")}
    total = sum(sizes.values())
    print(f"widget.js + widget.css gzipped (level 9): {sizes} = {total} bytes")
    assert total <= BUDGET_BYTES, f"{sizes} add up to {total} bytes, over {BUDGET_BYTES}"
