"""loom.Framework: the framework role (issue 8): ask rmd for containers, launch commands in
them, release them, and hear what happens to them as events.

Events are dicts: container events carry "event": "container" plus rmd's fields (kind,
container, request, node, host, res, exit_code, signal, reason, grace_ms); node events
carry "event": "node" (node, state, reason). When the connection drops, events() dials
again for up to reconnect_for seconds and registers under the same name: within rmd's
framework_grace that resumes the framework, and events() yields {"event": "resumed",
"resumed", "containers", "requests"} listing what rmd still holds for it.
"""

import os
import re
import secrets
import socket
import threading
import time

from . import wire
from .client import env_list, expect, res_map, str_list, user_name
from .wire import LoomConnectionError, LoomError

KINDS = ("allocated", "running", "exited", "failed", "released", "lost", "preempting",
         "preempted")
FINAL_KINDS = ("exited", "failed", "released", "lost", "preempted")
_CONTAINER_RE = re.compile(r"^job-\d+\.t\d+\.a\d+$")
_REQUEST_RE = re.compile(r"^job-\d+$")


def default_name(engine="python"):
    """"<engine>-<host>-<pid>-<random>", as the C library makes it."""
    host = socket.gethostname().split(".")[0] or "host"
    return f"{engine}-{host}-{os.getpid()}-{secrets.token_hex(3)}"[:127]


class Framework:
    """A framework connection. Thread-safe: one thread may read events() while others call
    request/launch/release."""

    def __init__(self, addr=None, name=None, queue="", user=None, timeout=30.0,
                 reconnect_for=30.0):
        if name is not None and (not isinstance(name, str) or not 0 < len(name) < 128):
            raise LoomError("name: must be 1 to 127 bytes", field="name")
        self.addr = wire.choose_addr(addr)
        self.name = name or default_name()
        self.queue = queue
        self.user = user or user_name()
        self.timeout = timeout
        self.reconnect_for = reconnect_for
        self.live = {}  # container id -> its latest event (allocated or running)
        self._lock = threading.Lock()
        self._closed = False
        self.conn = None
        self._connect()

    # ---- connection and registration

    def _connect(self):
        conn = wire.Conn(self.addr, role="framework", name=self.name, timeout=self.timeout)
        try:
            reply = conn.request({"t": wire.FRAMEWORK_REGISTER, "name": self.name,
                                  "queue": self.queue, "user": self.user})
        except BaseException:
            conn.close()
            raise
        self.resumed = expect(reply, "resumed", bool, "framework_register")
        containers = expect(reply, "containers", list, "framework_register")
        self.requests = expect(reply, "requests", list, "framework_register")
        for c in containers:
            if not isinstance(c, dict) or not isinstance(c.get("container"), str):
                raise LoomConnectionError(f"rmd's register reply has a bad container: {c!r}")
        with self._lock:
            self.live = {c["container"]: c for c in containers}
            self.conn = conn
        self.containers = containers
        return reply

    def reconnect(self):
        """Dials again and registers under the same name (resuming within the grace).
        Returns the resume event dict."""
        deadline = time.monotonic() + self.reconnect_for
        delay = 0.1
        while True:
            try:
                self._connect()
                return {"event": "resumed", "resumed": self.resumed,
                        "containers": self.containers, "requests": self.requests}
            except LoomConnectionError:
                if time.monotonic() + delay > deadline or self._closed:
                    raise
            except LoomError as e:
                # rmd may not have seen the old connection close yet ("connected already",
                # rejected) or may still be recovering (unavailable): both pass.
                if e.code not in (7, 9) or time.monotonic() + delay > deadline or self._closed:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def close(self):
        """Closes the connection without unregistering (rmd keeps the containers for its
        framework_grace, so a new Framework of the same name can resume)."""
        self._closed = True
        if self.conn is not None:
            self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            if not self._closed:
                self.unregister()
        finally:
            self.close()

    def _call(self, msg):
        return self.conn.request(msg)

    # ---- requests

    def request(self, count, vcores=1, mem_mb=256, gpus=0, gang=False, prefer=None,
                labels=None, exclude_labels=None, priority=0, time_limit_ms=0, name=None):
        """Asks for count containers of the given size; returns the request id ("job-12").
        Each placement arrives later as an "allocated" event."""
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100000:
            raise LoomError(f"count: must be 1 to 100000, got {count!r}", field="count")
        prefer = str_list("prefer", prefer)
        if len(prefer) > 16:
            raise LoomError("prefer: at most 16 node names", field="prefer")
        msg = {"t": wire.CONTAINER_REQUEST, "count": count, "res": res_map(vcores, mem_mb, gpus),
               "gang": bool(gang), "priority": priority, "time_limit_ms": time_limit_ms,
               "require_labels": str_list("labels", labels),
               "exclude_labels": str_list("exclude_labels", exclude_labels),
               "prefer": prefer, "name": name or self.name}
        return expect(self._call(msg), "request", str, "container_request")

    def launch(self, container, argv, env=None, workdir=None):
        """Runs argv (no shell) in an ALLOCATED container; LOOM_* env is set by the agent."""
        argv = str_list("argv", argv)
        if not argv or not argv[0]:
            raise LoomError("argv: needs at least a non-empty command", field="argv")
        self._call({"t": wire.CONTAINER_LAUNCH, "container": container, "argv": argv,
                    "env": env_list(env), "workdir": workdir or ""})

    def release(self, target):
        """Gives back a container ("job-12.t3.a1", its process is killed) or a whole
        request ("job-12": every container and pending placement of it)."""
        if isinstance(target, str) and _CONTAINER_RE.match(target):
            self._call({"t": wire.CONTAINER_RELEASE, "container": target})
        elif isinstance(target, str) and _REQUEST_RE.match(target):
            self._call({"t": wire.CONTAINER_RELEASE, "request": target})
        else:
            raise LoomError(f"release: {target!r} is neither a container nor a request id",
                            field="container")

    def unregister(self):
        """Releases everything this framework holds and ends its requests."""
        self._call({"t": wire.FRAMEWORK_UNREGISTER})
        with self._lock:
            self.live.clear()

    # ---- events

    def next_event(self, timeout=None):
        """The next event dict, or None when timeout (seconds; None = forever) passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                msg = self.conn.next_pushed(left)
            except LoomConnectionError:
                if self._closed or self.reconnect_for <= 0:
                    raise
                return self.reconnect()
            if msg is None:
                return None
            ev = self._event_of(msg)
            if ev is not None:
                return ev

    def events(self, timeout=None):
        """Yields events until none arrives within timeout seconds (None: forever)."""
        while True:
            ev = self.next_event(timeout)
            if ev is None:
                return
            yield ev

    def _event_of(self, msg):
        t = msg["t"]
        fields = {k: v for k, v in msg.items() if k not in ("t", "id")}
        if t == wire.NODE_EVENT:
            return dict(fields, event="node")
        if t != wire.CONTAINER_EVENT:
            return None  # e.g. cluster events if someone subscribed on this connection
        kind, cid = fields.get("kind"), fields.get("container")
        if kind not in KINDS or not isinstance(cid, str):
            raise LoomConnectionError(f"rmd sent a malformed container event: {msg!r}")
        with self._lock:
            if kind in FINAL_KINDS:
                self.live.pop(cid, None)
            elif kind in ("allocated", "running"):
                self.live[cid] = fields
        return dict(fields, event="container")
