"""LoomCluster: a dask.distributed cluster whose scheduler and workers run as Loom containers.

Built like dask-jobqueue's JobQueueCluster: a SpecCluster whose scheduler and workers are
ProcessInterface objects. Each one is a framework request for one container; when rmd
allocates it, the command is launched in it (the process inherits the agent's LOOM_* env).
scale(n) and adapt() come from SpecCluster and Adaptive: adding a worker asks for a
container, removing one releases it. close() releases everything and unregisters.

Preemption: rmd warns with a "preempting" event (and SIGTERM) grace_ms before its SIGKILL.
A worker ignores that SIGTERM (see _WORKER_MAIN) and the cluster asks the scheduler to
retire it within the grace, so its results move to the other workers instead of being
computed again; at a fixed scale a new worker is asked for in its place (under adapt(),
Adaptive decides).

The scheduler runs in a container by default (scheduler="container"): it then lives on the
cluster like the workers and is placed, accounted and released by Loom; it tells its
address through a scheduler file in shared_dir, which every node and the client must see
(Loom assumes a shared working directory anyway). scheduler="local" runs it in this
process instead, as dask-jobqueue does, for clients that stay up for the cluster's life.
"""

import asyncio
import json
import logging
import os
import sys
import tempfile
import threading
import time
import weakref

from dask.utils import parse_bytes
from distributed.core import Status
from distributed.deploy.spec import ProcessInterface, SpecCluster
from distributed.scheduler import Scheduler

from .framework import FINAL_KINDS, Framework, default_name
from .wire import LoomConnectionError, LoomError

log = logging.getLogger("loom.dask")

# The worker's entry point: dask-worker's own, except that SIGTERM does not stop it. Why:
# Loom's SIGTERM to a preempted container comes with the "preempting" event, and a worker
# that exited on it would lose its results before the cluster could retire it. Retirement
# (or any close by the scheduler) ends it; rmd's SIGKILL ends it otherwise.
_WORKER_MAIN = """
import asyncio, signal
import distributed.cli.dask_worker as cli

async def _sigint_only():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    event, loop = asyncio.Event(), asyncio.get_running_loop()
    signal.signal(signal.SIGINT, lambda s, f: loop.call_soon_threadsafe(event.set))
    await event.wait()

cli.wait_for_signals = _sigint_only
cli.main()
"""

# Of a preemption's grace, the part given to retiring the worker (the rest: its exit).
_RETIRE_SHARE = 0.8


class _Pump:
    """The framework connection and the thread that reads its events and hands each one
    to the process (scheduler or worker) owning the request."""

    def __init__(self, fw):
        self.fw = fw
        self.owners = {}  # request id -> LoomProcess
        self.early = {}  # request id -> events that came before its owner was known
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, name="loom-events", daemon=True)
        self.thread.start()

    def own(self, request, proc):
        """proc owns request from now on; events that came before it was known (rmd may
        push "allocated" right behind the reply) are handed over in order."""
        with self.lock:
            self.owners[request] = proc
            for ev in self.early.pop(request, []):
                proc._on_event(ev)

    def _run(self):
        while not self.stopping.is_set():
            try:
                ev = self.fw.next_event(0.5)
            except LoomError as e:
                if not self.stopping.is_set():
                    self.error = e
                    log.error("lost the framework connection to rmd: %s", e.message)
                return
            if ev is not None and ev.get("event") == "resumed":
                log.warning("framework %s reconnected to rmd (resumed: %s)", self.fw.name,
                            ev["resumed"])
            if ev is None or ev.get("event") != "container":
                continue
            with self.lock:
                proc = self.owners.get(ev.get("request"))
                if proc is None:
                    self.early.setdefault(ev.get("request"), []).append(ev)
                else:
                    proc._on_event(ev)

    def stop(self, unregister):
        self.stopping.set()
        try:
            if unregister:
                self.fw.unregister()
        finally:
            self.fw.close()
            self.thread.join(5)


class LoomProcess(ProcessInterface):
    """One Dask process in one Loom container (subclasses give the command)."""

    def __init__(self, pump, vcores, mem_mb, name="", env=None, start_timeout=120):
        super().__init__()
        self.pump, self.vcores, self.mem_mb, self.name = pump, vcores, mem_mb, name
        self.env = env or {}
        self.start_timeout = start_timeout
        self.request = self.container = self.node = self.host = None
        self.ended = None  # the container's final event
        self.preempting = None  # rmd's warning, if it is taking the container back
        self.on_preempting = None  # called with the event, in the event thread
        self._loop = None

    def command(self):
        raise NotImplementedError

    async def start(self):
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._request)
        await super().start()

    def _request(self):
        request = self.pump.fw.request(1, vcores=self.vcores, mem_mb=self.mem_mb,
                                       name=f"{self.pump.fw.name}:{self.name}")
        self.request = request
        self.pump.own(request, self)

    def _on_event(self, ev):
        """In the event thread: launch on allocation, note the end."""
        kind = ev["kind"]
        if kind == "allocated" and self.container is None:
            self.container, self.node, self.host = ev["container"], ev.get("node"), ev.get("host")
            try:
                self.pump.fw.launch(self.container, self.command(),
                                    env=dict(self.env, LOOM_DASK_NAME=str(self.name)))
            except LoomError as e:
                self.ended = dict(ev, kind="failed", reason=f"launch refused: {e.message}")
        elif kind == "preempting" and ev["container"] == self.container:
            self.preempting = ev
            if self.on_preempting is not None:
                self.on_preempting(self, ev)
        elif kind in FINAL_KINDS and ev["container"] == self.container:
            self.ended = ev
            self._notify(self._event_finished.set)

    def _notify(self, fn):
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(fn)

    async def close(self):
        if self.request is not None and self.ended is None:
            target = self.container or self.request
            try:
                if self.preempting is None:  # else rmd is ending it already
                    await asyncio.to_thread(self.pump.fw.release, target)
            except LoomError:
                pass  # already ended, or the connection is gone (rmd's grace releases it)
            if self.container is not None:
                try:
                    await asyncio.wait_for(self._event_finished.wait(), 30)
                except asyncio.TimeoutError:
                    pass
        await super().close()


class LoomWorker(LoomProcess):
    """A dask worker (dask-worker's CLI, SIGTERM aside: _WORKER_MAIN) in a container."""

    def __init__(self, scheduler, pump, nthreads, memory_limit, vcores, mem_mb, python,
                 name="", extra_args=(), env=None, start_timeout=120, on_preempting=None):
        super().__init__(pump, vcores, mem_mb, name, env, start_timeout)
        self.scheduler_address = scheduler
        self.nthreads, self.memory_limit = nthreads, memory_limit
        self.python, self.extra_args = python, list(extra_args)
        self.on_preempting = on_preempting

    def command(self):
        return [self.python, "-c", _WORKER_MAIN, self.scheduler_address,
                "--nthreads", str(self.nthreads), "--memory-limit", str(self.memory_limit),
                "--name", str(self.name), "--no-nanny", "--no-dashboard",
                "--death-timeout", "60", *self.extra_args]


class LoomScheduler(LoomProcess):
    """The dask scheduler in a container; its address comes back through a scheduler file."""

    def __init__(self, pump, python, shared_dir, vcores=1, mem_mb=1024, env=None,
                 start_timeout=120):
        super().__init__(pump, vcores, mem_mb, "scheduler", env, start_timeout)
        self.python = python
        self.file = os.path.join(shared_dir, f"scheduler-{os.getpid()}-{id(self):x}.json")

    def command(self):
        argv = [self.python, "-m", "distributed.cli.dask_scheduler", "--port", "0",
                "--no-dashboard", "--scheduler-file", self.file]
        if self.host:
            argv += ["--host", self.host]
        return argv

    async def start(self):
        await super().start()
        deadline = time.monotonic() + self.start_timeout
        while self.address is None:
            if self.ended is not None:
                raise LoomError(f"the scheduler's container {self.container} ended: "
                                f"{self.ended['kind']} {self.ended.get('reason', '')}".strip())
            if time.monotonic() > deadline:
                await self.close()
                raise LoomError(f"no dask scheduler address within {self.start_timeout}s "
                                f"(request {self.request}, container {self.container})")
            try:
                with open(self.file) as f:
                    self.address = json.load(f)["address"]
            except (OSError, ValueError, KeyError):
                await asyncio.sleep(0.2)

    async def close(self):
        await super().close()
        try:
            os.unlink(self.file)
        except OSError:
            pass


class LoomCluster(SpecCluster):
    """A Dask cluster on Loom.

    rm: rmd's client address (default $LOOM_RM or 127.0.0.1:7420); queue, name: the
    framework's; nthreads, memory: each worker's threads and memory limit; vcores (default
    nthreads) and the memory are what each worker's container asks Loom for. n_workers:
    workers to start with. scheduler: "container" or "local" (see the module comment).
    """

    def __init__(self, n_workers=0, rm=None, queue="", name=None, nthreads=1, memory="1GiB",
                 vcores=None, scheduler="container", scheduler_vcores=1,
                 scheduler_memory="1GiB", shared_dir=None, python=None, env=None,
                 worker_extra_args=(), asynchronous=False, loop=None, **kwargs):
        if scheduler not in ("container", "local"):
            raise ValueError(f"scheduler must be 'container' or 'local', not {scheduler!r}")
        python = python or sys.executable
        mem_bytes = parse_bytes(memory) if isinstance(memory, str) else int(memory)
        self._fw_name = name or default_name("dask")
        self._pump = _Pump(Framework(rm, name=self._fw_name, queue=queue))
        env = dict(env or {})
        self._own_dir = None
        if scheduler == "container":
            if shared_dir is None:
                shared_dir = self._own_dir = tempfile.mkdtemp(prefix="loom-dask-")
            sched = {"cls": LoomScheduler, "options": {
                "pump": self._pump, "python": python, "shared_dir": shared_dir,
                "vcores": scheduler_vcores, "env": env,
                "mem_mb": _mib(parse_bytes(scheduler_memory))}}
        else:
            sched = {"cls": Scheduler, "options": {"port": 0, "dashboard": False}}
        worker = {"cls": LoomWorker, "options": {
            "pump": self._pump, "nthreads": nthreads, "memory_limit": mem_bytes,
            "vcores": vcores if vcores is not None else nthreads, "mem_mb": _mib(mem_bytes),
            "python": python, "extra_args": tuple(worker_extra_args), "env": env,
            "on_preempting": _weak_method(self._worker_preempting)}}
        self._closed_fw = False
        self._next_name = 0
        weakref.finalize(self, _Pump.stop, self._pump, False)
        try:
            super().__init__(scheduler=sched, worker=worker, asynchronous=asynchronous,
                             loop=loop, name=self._fw_name, **kwargs)
        except BaseException:
            self._stop_framework()
            raise
        if n_workers:
            self.scale(n_workers)

    @property
    def framework(self):
        """The loom.Framework this cluster speaks through."""
        return self._pump.fw

    @property
    def containers(self):
        """{dask worker name: Loom container id} for the workers that have one."""
        return {n: w.container for n, w in self.workers.items()
                if getattr(w, "container", None)}

    def _new_worker_name(self, worker_number):
        # Never a name used before: a preempted worker's replacement must not be taken for
        # it (SpecCluster closes a worker whose name left the scheduler).
        n = max(worker_number, self._next_name)
        self._next_name = n + 1
        return f"loom-w{n}"

    def _worker_preempting(self, worker, ev):
        """In the event thread: rmd takes worker's container back in grace_ms."""
        grace = max(0.0, ev.get("grace_ms", 0) / 1000.0)
        log.warning("worker %s (container %s) is preempted: %s; retiring it within %.1fs",
                    worker.name, worker.container, ev.get("reason", ""), grace)
        if self.status not in (Status.closing, Status.closed):
            self.loop.add_callback(self._retire_preempted, worker.name, grace)

    async def _retire_preempted(self, name, grace):
        """Moves the worker's data to the others, then lets SpecCluster replace it."""
        try:
            await asyncio.wait_for(
                self.scheduler_comm.retire_workers(names=[name], close_workers=True,
                                                   remove=True),
                max(0.1, grace * _RETIRE_SHARE))
        except (asyncio.TimeoutError, OSError) as e:
            log.warning("worker %s not retired before its preemption: %r", name, e)
        if self.status in (Status.closing, Status.closed) or name not in self.worker_spec:
            return
        # Why not through _correct_state: closing waits for the container's end, which
        # must not hold up the replacement's request.
        proc = self.workers.pop(name, None)
        if proc is not None:
            self._futures.add(asyncio.ensure_future(proc.close()))
        del self.worker_spec[name]
        if self._adaptive is None:  # at a fixed scale: the same number of workers again
            self.worker_spec.update(self.new_worker_spec())
        await self._correct_state()

    def _stop_framework(self):
        if not self._closed_fw:
            self._closed_fw = True
            try:
                self._pump.stop(unregister=True)
            except (LoomError, LoomConnectionError):
                pass
            if self._own_dir:
                try:
                    os.rmdir(self._own_dir)
                except OSError:
                    pass

    async def _close(self):
        await super()._close()
        await asyncio.to_thread(self._stop_framework)


def _weak_method(method):
    """method, without the worker spec keeping its cluster alive (the cluster's finalizer
    stops the framework)."""
    ref = weakref.WeakMethod(method)

    def call(*args):
        m = ref()
        if m is not None:
            m(*args)
    return call


def _mib(nbytes):
    return max(1, (int(nbytes) + (1 << 20) - 1) >> 20)
