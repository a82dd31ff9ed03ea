"""Loads this folder's factories.py as ``marketplace_factories``.

Several test folders have a ``factories.py`` and none is a package, so a plain
``import factories`` would reuse whichever folder's module was imported first when
the whole suite runs; a distinct module name keeps ours apart.
"""

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("marketplace_factories", Path(__file__).with_name("factories.py"))
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
sys.modules["marketplace_factories"] = _module
_spec.loader.exec_module(_module)
