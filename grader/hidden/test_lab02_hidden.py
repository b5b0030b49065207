"""Lab 02 hidden tests (instructors only).

These replay the kernel's allocation log against buddy_model.py, a model of
the allocator's exact contract (handouts/02-buddy.md), which must predict
every address the kernel returns - a check no output can fake without
implementing the allocator.  The model stays out of student trees.
"""
from hidden import buddy_model as bm
from tests.test_lab02 import (BIG, directed_script, parse, parse_script, run_script, run_workload,
                              script_arg, script_top, steal_block)


def model_for(vm, r, mem, d):
    """A buddy model booted like the kernel, on the segments parse() checked against
    the machine's free-list table from the ELF (d["table"])."""
    p = d["params"]
    model = bm.Buddy(d["segs"], len(d["table"]), p["nfreepool"], p["nfreeorder"])
    model.boot()
    return model


def check_counts(vm, r, mem, model, got, when):
    want = model.counts()
    if got != want:
        keys = sorted(set(got) | set(want))
        lines = ["  [freelist %d pool %d order %2d] kernel %5d  expected %5d"
                 % (k + (got.get(k, 0), want.get(k, 0))) for k in keys if got.get(k, 0) != want.get(k, 0)]
        vm.fail(r, "free queues at %s differ from the buddy model (-m %s):\n%s"
                % (when, mem, "\n".join(lines[:16])))


def replay(vm, r, mem, d, model):
    """Every allocation must return what the model predicts."""
    live = {}
    for op in d["ops"]:
        if op[0] == "a":
            _, pa, order, pool = op
            want = model.alloc(pool, order)
            vm.check(pa == want, r, "vm_phys_alloc_pages(pool %d, order %d) returned %#x; the "
                     "buddy model says %s (-m %s)" % (pool, order, pa,
                                                      "%#x" % want if want is not None else "NULL", mem))
            live[pa] = pool
        elif op[0] == "x":
            _, order, pool = op
            want = model.alloc(pool, order)
            vm.check(want is None, r, "vm_phys_alloc_pages(pool %d, order %d) failed, but the "
                     "model finds block %#x" % (pool, order, want or 0))
        else:
            _, pa, order = op
            model.free(pa, order, live.pop(pa))


def test_workload_replay(vm):
    for mem in ("128M", vm.rng.choice(BIG[vm.pae])):
        r, d = run_workload(vm, mem, 1500, 6)
        model = model_for(vm, r, mem, d)
        check_counts(vm, r, mem, model, d["q"].get("start", {}), "start")
        replay(vm, r, mem, d, model)
        check_counts(vm, r, mem, model, d["q"].get("end", {}), "end")


def test_long_workload(vm):
    mem = vm.rng.choice(["97M", "300M", "1000M"] + (["5G"] if vm.pae else []))
    r, d = run_workload(vm, mem, 4000, 10)
    model = model_for(vm, r, mem, d)
    replay(vm, r, mem, d, model)
    check_counts(vm, r, mem, model, d["q"].get("end", {}), "end")


def test_noobj_replay(vm):
    """NOOBJ pages come from the DIRECT pool (DEFAULT's alias on i386), exactly as modelled."""
    r = vm.run_pass(["buddy_noobj"], {"lab02.pages": 64}, mem="128M")
    d = parse(vm, r, "buddy_noobj", "128M")
    model = model_for(vm, r, "128M", d)
    direct = 0 if d["params"]["nfreepool"] == 2 else 2
    n_iter, d_iter = iter(d["n"]), iter(d["d"])
    for i in range(len(d["n"]) + len(d["d"])):
        pa = next(n_iter) if i % 2 == 0 else next(d_iter)
        want = model.alloc(direct if i % 2 == 0 else 0, 0)
        vm.check(pa == want, r, "allocation %d (%s) returned %#x; the buddy model says %#x"
                 % (i, "NOOBJ" if i % 2 == 0 else "normal", pa, want or 0))


def test_directed_replay(vm):
    """The directed script (test_lab02.directed_script) replayed on the model from the kernel's
    own starting state: every result, and every snapshot queue by queue, per pool,
    in queue order (FreeBSD's: freed blocks at the tail, split halves at the head),
    must be what the model says."""
    S = steal_block(script_top(vm))
    SCRIPT = directed_script(S)
    r = run_script(vm, SCRIPT, S)
    d = parse_script(vm, r, SCRIPT)
    p = d["params"]
    start = {k: [pa for pa, _, _ in v] for k, v in d["snap"].get(0, {}).items()}
    model = bm.Buddy.from_queues(d["segs"], len(d["table"]), p["nfreepool"], p["nfreeorder"], start)
    live, tags = [], {}          # live: [(pa, order or -npages, pool)]; tags: pa -> pool of an unfreed page
    for i, op in enumerate(SCRIPT):
        k, res, what = op[0], d["res"].get(i), "operation %d (%s)" % (i, script_arg([op]))
        if k == "a":
            want = model.alloc(op[1], op[2])
            vm.check(res == (want or 0), r, "%s returned %#x; the model says %s" % (what, res, _h(want)))
            if want is not None:
                live.append((want, op[2], op[1]))
                tags[want] = op[1]
        elif k == "c":
            want = model.contig(*op[1:])
            vm.check(res == (want or 0), r, "%s returned %#x; the model says %s" % (what, res, _h(want)))
            if want is not None:
                live.append((want, -op[1], 0))
                tags[want] = 0
        elif k == "F":
            pa, order, pool = live.pop()
            if order >= 0:
                model.free(pa, order, pool)
            else:
                model.free_contig(pa, -order, pool)
        elif k == "u":
            ok, pool = model.unfree(op[1])
            vm.check(res == int(ok), r, "%s returned %d; the model says %d" % (what, res, ok))
            if ok:
                tags[op[1]] = pool
        elif k == "f":
            model.free(op[1], op[2], tags[op[1]])
        elif k == "s":
            got = {kk: [pa for pa, _, _ in v] for kk, v in d["snap"][i].items()}
            queues = model.queues()
            if got != queues:
                keys = sorted(set(got) | set(queues))
                lines = ["  [freelist %d pool %d order %2d] kernel %s\n%27s model  %s"
                         % (kk + (_hl(got.get(kk)), "", _hl(queues.get(kk)))) for kk in keys
                         if got.get(kk) != queues.get(kk)]
                vm.fail(r, "after %s the free queues (head first) differ from the model:\n%s"
                        % (what, "\n".join(lines[:8])))


def _h(v):
    return "NULL" if v is None else "%#x" % v


def _hl(v):
    v = v or []
    return " ".join("%#x" % x for x in v[:6]) + (" ... (%d)" % len(v) if len(v) > 6 else "")
