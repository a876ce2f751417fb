#!/usr/bin/env bash
# loom.Framework (the framework role, issue 8) from Python against a real cluster:
#  - request 2 containers: 2 "allocated" events naming the request, a node and a host;
#  - launch one that exits 3: its "exited" event carries exit_code 3 and it saw LOOM_* env;
#  - launch a sleeper and release it: "released", and it never exits on its own;
#  - launching again in a used container, or in someone else's, is a LoomError naming the
#    field "container"; a second live registration of the same name is refused;
#  - close without unregistering, register again under the same name: resumed, and the
#    running container is listed; after rmd is killed and restarted, events() dials
#    again by itself and the resync lists it again; unregister releases it and ends the
#    request KILLED.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import msgpack' 2>/dev/null || fail "python3-msgpack is missing (tools/install-deps)"
export PYTHONPATH="$LOOM_SRC/client/python${PYTHONPATH:+:$PYTHONPATH}"

cluster_start --agents 3
out=$(timeout 180 "$PY" - "$T" "$CLUSTER" <<'EOF'
import os, subprocess, sys, time
import loom

tmp = sys.argv[1]

def next_kind(fw, kinds, container=None, secs=30):
    """The next container event of one of kinds (for container, if given)."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        ev = fw.next_event(deadline - time.monotonic())
        if ev and ev["event"] == "container" and ev["kind"] in kinds and \
                (container is None or ev["container"] == container):
            return ev
    raise SystemExit(f"no {kinds} event for {container or 'any container'} in {secs}s")

fw = loom.Framework(name="pyfw-test")
assert fw.name == "pyfw-test" and fw.resumed is False and fw.containers == [], fw.containers
req = fw.request(2, vcores=1, mem_mb=64)
assert req.startswith("job-"), req
allocs = [next_kind(fw, ("allocated",)) for _ in range(2)]
for a in allocs:
    assert a["request"] == req and a["node"].startswith("node-") and a["host"], a
c1, c2 = allocs[0]["container"], allocs[1]["container"]
assert c1 != c2 and c1.startswith(req + ".t"), (c1, c2)
print("allocated", c1, allocs[0]["node"], c2, allocs[1]["node"])

fw.launch(c1, ["sh", "-c", f'echo "$LOOM_ATTEMPT_ID" > {tmp}/env.out; exit 3'])
ev = next_kind(fw, ("exited", "failed"), c1)
assert ev["kind"] == "exited" and ev["exit_code"] == 3, ev
assert open(f"{tmp}/env.out").read().strip() == c1
print("exited", c1, ev["exit_code"])

fw.launch(c2, ["sleep", "299.417"], env={"PYFW": "1"})
try:
    fw.launch(c1, ["true"])
    raise SystemExit("a second launch in an ended container was accepted")
except loom.LoomError as e:
    assert e.field == "container", (e.field, e.message)
    print("relaunch refused:", e.message)
try:
    loom.Framework(name="pyfw-test")
    raise SystemExit("a second live registration of the same name was accepted")
except loom.LoomError as e:
    assert e.code_name == "rejected" and "connected already" in e.message, e.message
    print("duplicate refused:", e.message)
other = loom.Framework(name="pyfw-other")
for call in (lambda: other.launch(c2, ["true"]), lambda: other.release(c2)):
    try:
        call()
        raise SystemExit("another framework could use pyfw-test's container")
    except loom.LoomError as e:
        assert e.field == "container", (e.field, e.message)
        print("not yours:", e.message)
other.unregister()
other.close()
fw.release(c2)
ev = next_kind(fw, ("released", "exited"), c2)
assert ev["kind"] == "released", ev
assert c2 not in fw.live
try:
    fw.release("not-an-id")
    raise SystemExit("release of a bad id was accepted")
except loom.LoomError as e:
    assert e.field == "container"

# A second request, left running across a reconnection.
req2 = fw.request(1, vcores=1, mem_mb=64)
c3 = next_kind(fw, ("allocated",))["container"]
fw.launch(c3, ["sleep", "299.417"])
next_kind(fw, ("running",), c3)
fw.close()

def register_again():
    deadline = time.monotonic() + 15
    while True:
        try:
            fw = loom.Framework(name="pyfw-test")
            assert fw.resumed is True, "not resumed"
            return fw
        except loom.LoomError as e:  # rmd may not have seen the old connection close yet
            if "connected already" not in e.message or time.monotonic() > deadline:
                raise
            time.sleep(0.2)

fw = register_again()
assert [c["container"] for c in fw.containers] == [c3], fw.containers
assert fw.containers[0]["state"] == "RUNNING" and req2 in fw.requests, (fw.containers, fw.requests)
print("resumed", c3)

# rmd restarts: events() dials again by itself, and the resync lists the same container.
fw.reconnect_for = 60
cluster_tool = [os.environ["LOOM_SRC"] + "/tools/loom-cluster", "--dir", sys.argv[2]]
subprocess.run([cluster_tool[0], "kill-rm", *cluster_tool[1:], "--signal", "KILL"], check=True)
subprocess.run([cluster_tool[0], "restart-rm", *cluster_tool[1:]], check=True,
               stdout=subprocess.DEVNULL)
ev = fw.next_event(90)
assert ev and ev["event"] == "resumed" and ev["resumed"] is True and req2 in ev["requests"], ev
# Registered during rmd's recovery, the container may not be adopted yet: once its agent
# reported it, it is RUNNING and the resync of a new registration lists it.
cl = loom.Client()
deadline = time.monotonic() + 30
while cl.status(req2)["tasks"][0]["attempts"][0]["state"] != "RUNNING":
    assert time.monotonic() < deadline, cl.status(req2)
    time.sleep(0.2)
fw.close()
fw = register_again()
assert [c["container"] for c in fw.containers] == [c3], fw.containers
print("resumed after rmd restart", c3, fw.containers[0]["state"], "listed at first:",
      [c["container"] for c in ev["containers"]])
fw.unregister()
fw.close()
print("ok", req, req2, c3)
EOF
) || fail "python framework checks failed: $out"
echo "$out"
req=$(echo "$out" | sed -n 's/^ok \(job-[0-9]*\) .*/\1/p')
req2=$(echo "$out" | sed -n 's/^ok job-[0-9]* \(job-[0-9]*\) .*/\1/p')
{ [ -n "$req" ] && [ -n "$req2" ]; } || fail "no request ids printed"
# rmd's view: the first request ended with both containers final; the second was ended
# by unregister, and its sleeper is gone.
wait_until 20 "the first request to end" job_is "$req" SUCCEEDED
wait_until 20 "the unregistered request to end KILLED" job_is "$req2" KILLED
gone() { ! pgrep -f '^sleep 299[.]417$' >/dev/null; }
wait_until 20 "the released sleepers to exit" gone
pass "request, allocated, launch, exited 3, release, resume, rmd restart, unregister"
