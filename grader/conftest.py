"""Root conftest of the vmkit grader: loads the vmkit pytest plugin (fixtures
`vm`, options --vmkit-*, seeds; see vmkit/plugin.py).  grader/ is on sys.path
through `pythonpath` in grader/pyproject.toml."""
pytest_plugins = ["vmkit.plugin"]
