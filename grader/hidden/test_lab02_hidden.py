"""Lab 02 hidden tests (instructors only): a long workload reaching the
largest orders, replayed against the buddy model at a random memory size.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from test_lab02 import check_counts, model_for, replay, run_workload  # noqa: E402


def test_long_workload(vm):
    mem = vm.rng.choice(["97M", "300M", "1000M"] + (["5G"] if vm.config == "i386-pae" else []))
    r, d = run_workload(vm, mem, 4000, 10)
    model = model_for(vm, r, mem, d)
    replay(vm, r, mem, d, model)
    check_counts(vm, r, mem, model, d["q"].get("end", {}), "end")
