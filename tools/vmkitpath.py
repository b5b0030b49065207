"""tools/vmkitpath.py: lets a script in tools/ import the grader's `vmkit` package.

The one place where tools/ touches sys.path.  A script run as `tools/x.py`
has tools/ as sys.path[0], so `import vmkitpath` finds this file, which puts
grader/ (the `vmkit` package) first on the path.  This keeps every command
the README gives (`tools/grade.py ...`, `make grade`) working from any
directory, in student trees too, with nothing installed; pytest gets the same
path from `pythonpath` in grader/pyproject.toml, and mypy from its mypy_path.
"""
import os
import sys

GRADER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "grader")
if GRADER_DIR not in sys.path:
    sys.path.insert(0, GRADER_DIR)
