"""The asyncio-on-uvloop twins of runtime_bench.cpp; same arguments, same output."""
import asyncio
import collections
import sys
import threading
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


class SharedSemaphore:
    """What an asyncio user writes for a semaphore shared by event loops on
    several threads (asyncio has none): a threading.Lock around the count and
    a FIFO of (loop, future), a release waking the first waiter on its own loop
    with call_soon_threadsafe. The bench never cancels, so neither does this."""

    def __init__(self, value):
        self._lock = threading.Lock()
        self._value = value
        self._waiters = collections.deque()

    async def acquire(self):
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._value > 0 and not self._waiters:
                self._value -= 1
                return
            fut = loop.create_future()
            self._waiters.append((loop, fut))
        await fut

    def release(self):
        with self._lock:
            if not self._waiters:
                self._value += 1
                return
            loop, fut = self._waiters.popleft()
        loop.call_soon_threadsafe(fut.set_result, None)


async def shared_player(mine, theirs, rounds, serve):
    for _ in range(rounds):
        if serve:
            theirs.release()
        await mine.acquire()
        if not serve:
            theirs.release()


def shared_bench(n):
    """Not a coroutine: it runs a uvloop loop on each of two threads."""
    ping, pong = SharedSemaphore(0), SharedSemaphore(0)
    start = time.perf_counter_ns()
    other = threading.Thread(target=lambda: asyncio.run(shared_player(ping, pong, n, False)))
    other.start()
    asyncio.run(shared_player(pong, ping, n, True))
    other.join()
    return (time.perf_counter_ns() - start) / (2 * n)


BENCHES = {"spawn": spawn_bench, "event": event_bench, "queue": queue_bench,
           "sleepers": sleepers_bench, "gather": gather_bench}

if __name__ == "__main__":
    what, n = sys.argv[1], int(sys.argv[2])
    uvloop.install()
    if what == "shared":
        print(f"{shared_bench(n):.2f}")
    else:
        print(f"{asyncio.run(BENCHES[what](n)):.2f}")
