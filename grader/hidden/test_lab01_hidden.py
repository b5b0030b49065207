"""Lab 01 hidden tests (instructors only): odd memory sizes, where rounding
and off-by-one errors in the array's sizing show up, and a drain above 4 GiB.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from test_lab01 import boot_layout, check_drain, check_runs  # noqa: E402


def test_odd_sizes(vm):
    for mb in (vm.rng.randrange(40, 200), vm.rng.randrange(200, 3584)):
        _, layout = boot_layout(vm, mb)
        check_runs(layout)


def test_drain_high(vm):
    check_drain(vm, "6G" if vm.config == "i386-pae" else "3583M", nblack=5)
