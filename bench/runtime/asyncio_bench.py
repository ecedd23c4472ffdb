"""The asyncio-on-uvloop twins of runtime_bench.cpp; same arguments, same output."""
import asyncio
import sys
import time

import uvloop


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


async def trivial(i):
    return i


async def spawn_bench(n):
    batch = 1000
    total = 0
    start = time.perf_counter_ns()
    for _ in range(0, n, batch):
        tasks = [asyncio.create_task(trivial(i)) for i in range(batch)]
        for t in tasks:
            total += await t
    return (time.perf_counter_ns() - start) / n


async def event_player(mine, theirs, rounds, serve):
    for _ in range(rounds):
        if serve:
            theirs.set()
        await mine.wait()
        mine.clear()
        if not serve:
            theirs.set()


async def event_bench(n):
    pairs = 1000
    rounds = n // pairs
    a = [asyncio.Event() for _ in range(pairs)]
    b = [asyncio.Event() for _ in range(pairs)]
    start = time.perf_counter_ns()
    tasks = []
    for p in range(pairs):
        tasks.append(asyncio.create_task(event_player(a[p], b[p], rounds, True)))
        tasks.append(asyncio.create_task(event_player(b[p], a[p], rounds, False)))
    for t in tasks:
        await t
    return (time.perf_counter_ns() - start) / (pairs * rounds * 2)


async def queue_player(inq, outq, rounds, serve):
    for i in range(rounds):
        if serve:
            await outq.put(i)
            await inq.get()
        else:
            v = await inq.get()
            await outq.put(v)


async def queue_bench(n):
    pairs = 1000
    rounds = n // pairs
    qa = [asyncio.Queue(1) for _ in range(pairs)]
    qb = [asyncio.Queue(1) for _ in range(pairs)]
    start = time.perf_counter_ns()
    tasks = []
    for p in range(pairs):
        tasks.append(asyncio.create_task(queue_player(qa[p], qb[p], rounds, True)))
        tasks.append(asyncio.create_task(queue_player(qb[p], qa[p], rounds, False)))
    for t in tasks:
        await t
    return (time.perf_counter_ns() - start) / (pairs * rounds * 2)


async def sleeper():
    await asyncio.sleep(1.5)


async def sleepers_bench(n):
    before = status_kib("VmRSS:")
    tasks = [asyncio.create_task(sleeper()) for _ in range(n)]
    await asyncio.sleep(0.1)
    peak = status_kib("VmHWM:")
    for t in tasks:
        await t
    return (peak - before) * 1024 / n


async def gather_bench(n):
    start = time.perf_counter_ns()
    await asyncio.gather(*(asyncio.sleep(0.1) for _ in range(n)))
    return (time.perf_counter_ns() - start) / 1e6 - 100.0


BENCHES = {"spawn": spawn_bench, "event": event_bench, "queue": queue_bench,
           "sleepers": sleepers_bench, "gather": gather_bench}

if __name__ == "__main__":
    what, n = sys.argv[1], int(sys.argv[2])
    uvloop.install()
    print(f"{asyncio.run(BENCHES[what](n)):.2f}")
