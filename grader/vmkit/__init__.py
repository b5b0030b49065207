"""vmkit: the grader runtime of the vmkit teaching kernel.

Modules (stdlib only except plugin.py, which is the pytest plugin):
  qemu      the one place the QEMU command line is built (+ the tools/qemu CLI)
  protocol  parses a serial log by the nonce protocol of grader/PROTOCOL.md
  kdata     every ktest's KDATA grammar, and the one parser for it
  runner    builds a tree's kernel once per session and boots it under QEMU
  manifest  reads and validates labs/NN-name/lab.toml
  results   turns per-test outcomes into Gradescope results.json and tables
  driver    runs the grader's pytest on a tree (used by grade.py, stripcheck.py)
  submission  takes a hostile submission's edit files into a fresh lab tree (grade.py)
  models    the grader's own models of kernel functions (strtoull)
  plugin    pytest fixtures, options, seeds and config parametrisation
"""
import os

GRADER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(GRADER_DIR)          # the tree this grader lives in
