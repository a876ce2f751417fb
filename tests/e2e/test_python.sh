#!/usr/bin/env bash
# The Python client module (client/python/loom) against a real three-agent cluster:
# loom.Client submits a 3-task job, waits for it, reads its status and the job list, kills
# a long job, and turns rmd's ERROR replies into loom.LoomError carrying rmd's message;
# malformed replies (from a scripted fake rmd) are LoomConnectionError, never accepted.
# Debian's /usr/bin/python3 is used on purpose: python3-msgpack is installed for it.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import msgpack' 2>/dev/null || fail "python3-msgpack is missing (tools/install-deps)"
export PYTHONPATH="$LOOM_SRC/client/python${PYTHONPATH:+:$PYTHONPATH}"

cluster_start --agents 3
out=$("$PY" - "$T" <<'EOF'
import os, sys
import loom

tmp = sys.argv[1]
c = loom.Client()  # $LOOM_RM
assert c.cluster()["nodes"] == 3, c.cluster()

# A 3-task job whose tasks each leave a file named after their index.
job = c.submit(["sh", "-c", f'echo $LOOM_TASK_INDEX > {tmp}/done.$LOOM_TASK_INDEX'],
               tasks=3, vcores=1, mem="64M", name="py-three")
assert job.startswith("job-"), job
view = c.wait(job, timeout=60)
assert view["state"] == "SUCCEEDED", view
st = c.status(job)
assert st["ntasks"] == 3 and st["tasks_done"] == 3 and st["name"] == "py-three", st
assert sorted(t["index"] for t in st["tasks"]) == [0, 1, 2], st["tasks"]
for i in range(3):
    assert open(f"{tmp}/done.{i}").read().strip() == str(i)
assert job in [j["id"] for j in c.jobs(state="SUCCEEDED")]

# A long job, killed.
long_job = c.submit(["sleep", "300"], tasks=2, mem=64, name="py-long")
st = c.status(long_job)
assert st["state"] in ("PENDING", "RUNNING"), st
c.kill(long_job, reason="test kill")
view = c.wait(long_job, timeout=30)
assert view["state"] == "KILLED", view
try:
    c.wait(c.submit(["sleep", "30"], mem=64), timeout=0.5)
    raise SystemExit("wait did not time out")
except TimeoutError:
    pass

# rmd's ERROR replies become LoomError with rmd's own message.
def refused(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except loom.LoomError as e:
        return e
    raise SystemExit(f"{fn.__name__}{a} was not refused")

e = refused(c.status, "job-999999")
assert e.code_name == "not_found" and e.message, (e.code, e.message)
print("not found:", e.message)
e = refused(c.submit, ["true"], tasks=0)
assert e.code_name == "bad_request" and e.field == "ntasks", (e.code, e.field, e.message)
print("bad request:", e.field, e.message)
e = refused(c.submit, ["true"], vcores=10000)
print("rejected:", e.code_name, e.message)
e = refused(c.submit, ["true"], env={"": "x"})  # caught before sending
assert e.field == "env[0]", e.field
e = refused(loom.Client, "127.0.0.1:1")
assert isinstance(e, loom.LoomConnectionError), e

# Strict reading: a reply without its field, or bytes that are not a frame of msgpack,
# are errors, not silently accepted (a scripted fake rmd on a loopback port).
import socket, struct, threading, msgpack
def fake_rmd(answers):
    srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
    def serve():
        s, _ = srv.accept()
        for answer in answers:
            n = struct.unpack(">I", s.recv(4))[0]
            req = msgpack.unpackb(s.recv(n))
            body = answer(req["id"])
            s.sendall(body if isinstance(body, bytes) else
                      struct.pack(">I", len(msgpack.packb(body))) + msgpack.packb(body))
        s.recv(1); s.close(); srv.close()
    threading.Thread(target=serve, daemon=True).start()
    return "127.0.0.1:%d" % srv.getsockname()[1]
hello = lambda i: {"t": 2, "id": i, "version": 1, "server": "fake"}
c2 = loom.Client(fake_rmd([hello, lambda i: {"t": 2, "id": i}]))
e = refused(c2.submit, ["true"])
assert isinstance(e, loom.LoomConnectionError) and "'job'" in e.message, e.message
c2 = loom.Client(fake_rmd([hello, lambda i: b"\0\0\0\2\xc1\xc1"]))
e = refused(c2.jobs)
assert isinstance(e, loom.LoomConnectionError) and "msgpack" in e.message, e.message
e = refused(loom.Client, fake_rmd([lambda i: {"t": 3, "id": i, "code": 5, "field": "version",
                                              "message": "protocol version 1 is not supported"}]))
assert e.code_name == "version" and "rmd refused HELLO" in e.message, e.message
print("ok", job, long_job)
EOF
) || fail "python client checks failed: $out"
echo "$out"
job=$(echo "$out" | sed -n 's/^ok \(job-[0-9]*\) .*/\1/p')
long_job=$(echo "$out" | sed -n 's/^ok job-[0-9]* \(job-[0-9]*\)$/\1/p')
assert_contains "$out" "not found: " "the not-found error"
# The CLI sees the same jobs the module submitted and killed.
assert_eq "$(job_state "$job")" SUCCEEDED "rmctl's view of the module's job"
assert_eq "$(job_state "$long_job")" KILLED "rmctl's view of the killed job"
pass "submit, wait, status, list, kill, errors"
