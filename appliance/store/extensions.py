"""Where the pinned DuckDB extensions are: inside their PyPI wheels, never downloaded."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

from appliance.errors import StoreError

_PACKAGES = {"spatial": "duckdb_extension_spatial", "httpfs": "duckdb_extension_httpfs"}


def extension_path(name: str) -> Path:
    """The ``.duckdb_extension`` file for ``name`` matching the running duckdb exactly."""
    package = _PACKAGES[name]
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        raise StoreError(
            f"the DuckDB {name} extension is not installed ({package}).",
            "Reinstall the appliance with its pinned dependencies (make install).",
        ) from None
    path = Path(str(root)) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        raise StoreError(
            f"the DuckDB {name} extension for duckdb {duckdb.__version__} is missing at {path}.",
            f"Install {package}=={duckdb.__version__}.",
        )
    return path
