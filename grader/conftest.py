"""Root conftest of the vmkit grader: puts grader/ on sys.path and loads the
vmkit pytest plugin (fixtures `vm`, options --vmkit-*, seeds; see vmkit/plugin.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vmkit.plugin import *  # noqa: E402,F401,F403  (hooks and fixtures)
