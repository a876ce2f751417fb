"""loom.Client: submit, inspect, wait for and kill jobs (the client role of the protocol)."""

import getpass
import re
import time

from . import wire
from .wire import LoomError

FINAL_STATES = ("SUCCEEDED", "FAILED", "KILLED")
_MEM_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
_MEM_MULT = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 * 1024}


def mem_mb(mem):
    """256, "256M", "4G", "512MiB" -> MiB (an int without suffix is MiB already)."""
    if isinstance(mem, bool):
        raise LoomError(f"mem: expected MiB or a size like '4G', got {mem!r}", field="mem")
    if isinstance(mem, int):
        value = mem
    else:
        m = _MEM_RE.match(str(mem))
        if not m:
            raise LoomError(f"mem: expected MiB or a size like '4G', got {mem!r}", field="mem")
        value = int(float(m.group(1)) * _MEM_MULT[m.group(2).upper()])
    if value < 0:
        raise LoomError(f"mem: must not be negative, got {mem!r}", field="mem")
    return value


def res_map(vcores=1, mem=0, gpus=0):
    """The protocol's resource vector."""
    if not isinstance(vcores, (int, float)) or isinstance(vcores, bool) or vcores < 0:
        raise LoomError(f"vcores: expected a number >= 0, got {vcores!r}", field="vcores")
    if not isinstance(gpus, int) or isinstance(gpus, bool) or gpus < 0:
        raise LoomError(f"gpus: expected an int >= 0, got {gpus!r}", field="gpus")
    return {"vcores_m": int(round(vcores * 1000)), "mem_mb": mem_mb(mem), "gpus": gpus}


def env_list(env):
    """{"K": "V"} or ["K=V"] -> ["K=V"], checking every entry."""
    if env is None:
        return []
    items = [f"{k}={v}" for k, v in env.items()] if isinstance(env, dict) else list(env)
    for i, kv in enumerate(items):
        if not isinstance(kv, str) or "=" not in kv or kv.startswith("="):
            raise LoomError(f"env[{i}]: must be KEY=VALUE with a non-empty KEY", field=f"env[{i}]")
    return items


def str_list(name, v):
    if v is None:
        return []
    if isinstance(v, str) or not all(isinstance(s, str) for s in v):
        raise LoomError(f"{name}: expected a list of strings, got {v!r}", field=name)
    return list(v)


def user_name():
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry and no $USER
        import os
        return f"uid{os.getuid()}"


def expect(reply, key, typ, what):
    """reply[key] checked to be of type typ: a strict reading of rmd's answers."""
    v = reply.get(key)
    if not isinstance(v, typ):
        raise wire.LoomConnectionError(f"rmd's reply to {what} has no valid '{key}': {reply!r}")
    return v


class Client:
    """A client connection to rmd. addr: host:port (default $LOOM_RM or 127.0.0.1:7420)."""

    def __init__(self, addr=None, name="loom-python", timeout=30.0):
        self.conn = wire.Conn(addr, role="client", name=name, timeout=timeout)

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def submit(self, argv, tasks=1, vcores=1, mem=256, gpus=0, queue="", name=None, env=None,
               max_attempts=0, priority=0, output_dir="", workdir="", after=None, gang=False,
               time_limit_ms=0, require_labels=None, exclude_labels=None, prefer=None,
               speculation="default", user=None):
        """Submits a job; returns its id ("job-42"). argv runs directly, without a shell."""
        argv = str_list("argv", argv)
        if not argv or not argv[0]:
            raise LoomError("argv: needs at least a non-empty command", field="argv")
        spec = {
            "t": wire.JOB_SUBMIT, "name": name or argv[0].rsplit("/", 1)[-1],
            "queue": queue, "user": user or user_name(), "argv": argv, "env": env_list(env),
            "ntasks": tasks, "res": res_map(vcores, mem, gpus), "max_attempts": max_attempts,
            "priority": priority, "output_dir": output_dir, "workdir": workdir,
            "after": str_list("after", after), "speculation": speculation, "gang": bool(gang),
            "time_limit_ms": time_limit_ms,
            "require_labels": str_list("require_labels", require_labels),
            "exclude_labels": str_list("exclude_labels", exclude_labels),
        }
        if prefer is not None:
            spec["prefer"] = [str_list(f"prefer[{i}]", p) for i, p in enumerate(prefer)]
        return expect(self.conn.request(spec), "job", str, "job_submit")

    def status(self, job):
        """The job's view (job_info: state, reason, tasks with their attempts, ...)."""
        reply = self.conn.request({"t": wire.JOB_INFO, "target": job})
        return expect(reply, "job", dict, "job_info")

    def wait(self, job, timeout=None, poll=0.2):
        """Waits until the job is SUCCEEDED, FAILED or KILLED; returns its view.
        Raises TimeoutError when timeout (seconds) passes first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            view = self.status(job)
            if view.get("state") in FINAL_STATES:
                return view
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"{job} is still {view.get('state')} after {timeout:g}s")
            time.sleep(poll)

    def kill(self, job, reason=""):
        """Kills the job; returns its state after the request (rmd's reply {job, state})."""
        reply = self.conn.request({"t": wire.JOB_KILL, "target": job, "reason": reason})
        return expect(reply, "state", str, "job_kill")

    def jobs(self, state=None, queue=None, user=None, limit=None):
        """Jobs, newest first, optionally filtered."""
        req = {"t": wire.JOB_LIST}
        for k, v in (("state", state), ("queue", queue), ("user", user), ("limit", limit)):
            if v is not None:
                req[k] = v
        return expect(self.conn.request(req), "jobs", list, "job_list")

    def nodes(self):
        return expect(self.conn.request({"t": wire.NODE_LIST}), "nodes", list, "node_list")

    def cluster(self):
        """cluster_info: version, node and job counts, capacity, queues, ..."""
        reply = self.conn.request({"t": wire.CLUSTER_INFO})
        expect(reply, "nodes", int, "cluster_info")
        return {k: v for k, v in reply.items() if k not in ("t", "id")}
