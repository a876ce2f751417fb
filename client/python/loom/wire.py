"""The Loom wire protocol: framing, HELLO, request/reply matching (docs/PROTOCOL.md).

A frame is a 4-byte big-endian length followed by one msgpack map with an integer "t".
One Conn may be shared by threads: whichever thread needs a frame reads one ("leader"),
files replies under their id and pushed messages (id 0) in a queue, and wakes the others,
so a thread waiting for events and one waiting for a reply never steal each other's.
"""

import collections
import os
import socket
import struct
import threading
import time

import msgpack

PROTO_VERSION = 1
DEFAULT_ADDR = "127.0.0.1:7420"
MAX_FRAME = 16 << 20  # rmd's default max_frame

# Message types (common/msgtypes.def).
HELLO, REPLY, ERROR = 1, 2, 3
JOB_SUBMIT, JOB_LIST, JOB_INFO, JOB_KILL, LOGS_GET, EVENTS_SUBSCRIBE, EVENT = range(200, 207)
NODE_LIST, CLUSTER_INFO = 300, 301
FRAMEWORK_REGISTER, CONTAINER_REQUEST, CONTAINER_LAUNCH, CONTAINER_RELEASE = 400, 401, 402, 403
FRAMEWORK_UNREGISTER, CONTAINER_EVENT, NODE_EVENT = 404, 405, 406

ERROR_NAMES = {1: "bad_request", 2: "unknown_type", 3: "not_allowed", 4: "need_hello",
               5: "version", 6: "not_found", 7: "rejected", 8: "conflict",
               9: "unavailable", 10: "internal", 11: "too_big", 12: "malformed"}


class LoomError(Exception):
    """rmd refused a request (code, field and message are rmd's), or the talk failed."""

    def __init__(self, message, code=0, field=""):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    @property
    def code_name(self):
        return ERROR_NAMES.get(self.code, "unknown")


class LoomConnectionError(LoomError):
    """The connection to rmd could not be made, or it broke."""


def choose_addr(addr=None):
    """The address to use: the argument, else $LOOM_RM, else 127.0.0.1:7420."""
    return addr or os.environ.get("LOOM_RM") or DEFAULT_ADDR


def parse_addr(addr):
    """'host:port' or '[v6]:port' -> (host, port); an empty host means 127.0.0.1."""
    if not isinstance(addr, str) or ":" not in addr:
        raise LoomError(f"bad rmd address {addr!r}: expected host:port")
    if addr.startswith("["):
        host, sep, port = addr[1:].partition("]:")
        if not sep:
            raise LoomError(f"bad rmd address {addr!r}: expected [host]:port")
    else:
        host, _, port = addr.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise LoomError(f"bad rmd address {addr!r}: port must be 1..65535")
    return host or "127.0.0.1", int(port)


def encode(msg):
    """One frame holding msg (a dict with "t")."""
    body = msgpack.packb(msg, use_bin_type=True)
    if len(body) > MAX_FRAME:
        raise LoomError(f"message of {len(body)} bytes is over the {MAX_FRAME}-byte frame limit")
    return struct.pack(">I", len(body)) + body


def decode(body):
    """A frame's body -> the message map; anything else is a LoomConnectionError."""
    try:
        msg = msgpack.unpackb(body, raw=False, strict_map_key=False)
    except Exception as e:  # msgpack raises several unrelated types
        raise LoomConnectionError(f"rmd sent bytes that are not msgpack: {e}") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("t"), int):
        raise LoomConnectionError("rmd sent a frame that is not a map with an integer 't'")
    return msg


def error_of(msg):
    """The LoomError an ERROR message carries, checking its shape."""
    code, field, text = msg.get("code"), msg.get("field", ""), msg.get("message", "")
    if not isinstance(code, int) or not isinstance(field, str) or not isinstance(text, str):
        return LoomError("rmd sent a malformed error message", 0, "")
    return LoomError(text, code, field)


class Conn:
    """One connection to rmd, after HELLO. Thread-safe; see the module comment."""

    def __init__(self, addr=None, role="client", name="", timeout=30.0):
        self.addr = choose_addr(addr)
        self.timeout = timeout
        host, port = parse_addr(self.addr)
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as e:
            raise LoomConnectionError(f"cannot connect to rmd at {self.addr}: {e.strerror or e}") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._send_lock = threading.Lock()
        self._cv = threading.Condition()
        self._reading = False
        self._replies = {}
        self._waiting = set()  # ids of requests still waiting for their answer
        self._pushed = collections.deque()
        self._next_id = 1
        self._broken = None
        self._buf = b""
        try:
            self.server = self.request({"t": HELLO, "role": role, "version": PROTO_VERSION,
                                        "name": name})
        except LoomError as e:
            self.close()
            if isinstance(e, LoomConnectionError):
                raise
            raise LoomError(f"rmd refused HELLO: {e.message}", e.code, e.field) from None

    def close(self):
        with self._cv:
            if self._broken is None:
                self._broken = "connection closed"
            self._cv.notify_all()
        try:
            self.sock.close()
        except OSError:
            pass

    @property
    def broken(self):
        return self._broken

    def request(self, msg, timeout=None):
        """Sends msg with a fresh id; returns the reply map, raises LoomError on ERROR."""
        with self._cv:
            rid = self._next_id
            self._next_id += 1
            self._waiting.add(rid)
        try:
            msg = dict(msg, id=rid)
            self._send(msg)
            secs = self.timeout if timeout is None else timeout
            reply = self._wait(lambda: self._replies.pop(rid, None), time.monotonic() + secs)
        finally:
            with self._cv:
                self._waiting.discard(rid)
                self._replies.pop(rid, None)
        if reply is None:
            raise LoomConnectionError(f"rmd did not answer message type {msg['t']} within {secs:g}s")
        if reply["t"] == ERROR:
            raise error_of(reply)
        if reply["t"] != REPLY:
            raise LoomConnectionError(f"rmd answered with message type {reply['t']}")
        return reply

    def next_pushed(self, timeout):
        """The next message rmd pushed (id 0), or None after timeout (None = forever)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        return self._wait(lambda: self._pushed.popleft() if self._pushed else None, deadline)

    def _send(self, msg):
        data = encode(msg)
        with self._send_lock:
            if self._broken:
                raise LoomConnectionError(f"connection to rmd at {self.addr} is gone: {self._broken}")
            try:
                self.sock.sendall(data)
            except OSError as e:
                self._fail(f"send failed: {e}")
                raise LoomConnectionError(f"connection to rmd at {self.addr} broke: {e}") from None

    def _wait(self, take, deadline):
        """Returns take()'s first non-None value, reading frames while needed."""
        while True:
            with self._cv:
                while True:
                    got = take()
                    if got is not None:
                        return got
                    if self._broken:
                        raise LoomConnectionError(
                            f"connection to rmd at {self.addr} is gone: {self._broken}")
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return None
                    if not self._reading:
                        self._reading = True
                        break
                    self._cv.wait(left)
            try:
                self._read_one(left)
            finally:
                with self._cv:
                    self._reading = False
                    self._cv.notify_all()

    def _read_one(self, timeout):
        """Reads at most one frame (or until timeout) and files it."""
        try:
            self.sock.settimeout(timeout)
            while len(self._buf) < 4 or len(self._buf) < 4 + struct.unpack(">I", self._buf[:4])[0]:
                if len(self._buf) >= 4:
                    n = struct.unpack(">I", self._buf[:4])[0]
                    if n == 0 or n > MAX_FRAME:
                        self._fail(f"rmd sent a frame of {n} bytes")
                        return
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    self._fail("rmd closed the connection")
                    return
                self._buf += chunk
        except socket.timeout:
            return
        except OSError as e:
            self._fail(f"receive failed: {e}")
            return
        n = struct.unpack(">I", self._buf[:4])[0]
        body, self._buf = self._buf[4:4 + n], self._buf[4 + n:]
        try:
            msg = decode(body)
        except LoomConnectionError as e:
            self._fail(e.message)
            return
        with self._cv:
            rid = msg.get("id", 0)
            if rid:
                if rid in self._waiting:  # else: the answer to a request that timed out
                    self._replies[rid] = msg
            elif msg["t"] == ERROR:
                # Not an answer: rmd says why it is about to close the connection.
                self._broken = f"rmd closed the connection: {error_of(msg).message}"
            else:
                self._pushed.append(msg)

    def _fail(self, why):
        with self._cv:
            if self._broken is None:
                self._broken = why
            self._cv.notify_all()
