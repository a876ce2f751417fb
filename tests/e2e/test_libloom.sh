#!/usr/bin/env bash
# libloom as an outside program uses it: the build installed into a temporary prefix
# (cmake --install), the installed header and library exporting only the public loom_*
# API, examples/hello-framework.c compiled with `pkg-config --cflags --libs loom` and run
# against a real local cluster, then libloom_probe (client calls, the asynchronous and the
# blocking framework layers, checked call by call; a lost node's events).
. "$(dirname "$0")/lib.sh"

build=$(dirname "$LOOM_BIN")
prefix="$T/prefix"
cmake --install "$build" --prefix "$prefix" >"$T/install.log" 2>&1 ||
	fail "cmake --install failed: $(tail -5 "$T/install.log")"
for f in bin/rmd bin/nodeagent bin/rmsubmit bin/rmctl bin/rmtop lib/libloom.so.1 \
	lib/libloom.so include/loom.h lib/pkgconfig/loom.pc; do
	[ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
soname=$(objdump -p "$prefix/lib/libloom.so.1" | awk '$1 == "SONAME" { print $2 }')
assert_eq "$soname" "libloom.so.1" "SONAME"
others=$(nm -D --defined-only "$prefix/lib/libloom.so.1" | awk '$2 == "T" { print $3 }' |
	grep -v '^loom_' || true)
assert_eq "$others" "" "symbols exported besides loom_*"
note "installed into $prefix; libloom.so.1 exports only loom_*"

# The header stands alone, strict C99, and the example builds with pkg-config only.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs loom) || fail "pkg-config does not know loom"
assert_contains "$flags" "-lloom" "pkg-config --libs loom"
assert_eq "$(pkg-config --modversion loom)" "1.0.0" "loom.pc version"
san=""
# Not `ldd | grep -q`: grep quitting early can SIGPIPE ldd, and pipefail then says "no".
deps=$(ldd "$prefix/lib/libloom.so.1")
case $deps in
*libasan*) san="-fsanitize=address,undefined" ;; # a sanitized build: the program needs it too
esac
printf '#include <loom.h>\nint main(void) { return loom_strerror(0) == 0; }\n' >"$T/alone.c"
# shellcheck disable=SC2086
cc -std=c99 -pedantic -Wall -Wextra -Werror $san "$T/alone.c" $flags -o "$T/alone" ||
	fail "loom.h does not compile on its own"
# shellcheck disable=SC2086
cc -Wall -Wextra -Werror $san "$LOOM_SRC/examples/hello-framework.c" $flags \
	-o "$T/hello-framework" || fail "hello-framework.c does not build against the prefix"
lines=$(wc -l <"$LOOM_SRC/examples/hello-framework.c")
[ "$lines" -lt 150 ] || fail "hello-framework.c has $lines lines (must stay under 150)"
export LD_LIBRARY_PATH="$prefix/lib"

cluster_start --agents 3
out=$(timeout 120 "$T/hello-framework" 4) || fail "hello-framework failed: $out"
assert_contains "$out" "registered as loom-" "hello-framework's output"
assert_contains "$out" "4 containers, 0 failed" "hello-framework's output"
assert_eq "$(grep -c ': exited 0$' <<<"$out")" "4" "containers that exited 0"
container=$(grep -m1 -o 'job-[0-9]*\.t[0-9]*\.a[0-9]*' <<<"$out")
assert_contains "$(rmctl logs "$container")" "hello from $container" "the container's stdout"
request=${container%%.*}
wait_until 10 "$request SUCCEEDED" job_is "$request" SUCCEEDED
note "hello-framework ran 4 containers: $(tr '\n' ';' <<<"$out")"

# A framework that cannot reach rmd says so and fails.
if LOOM_RM=127.0.0.1:1 "$T/hello-framework" 1 >"$T/nofw.out" 2>&1; then
	fail "hello-framework succeeded without rmd"
fi
assert_contains "$(cat "$T/nofw.out")" "cannot connect to rmd" "hello-framework without rmd"

out=$(timeout 180 "$LOOM_BIN/loom-test-libloom-probe" 2>&1) || fail "libloom_probe: $out"
assert_contains "$out" "ok: 0 failed checks" "libloom_probe"
# A lost node: its container ends LOST and the framework hears of the node.
"$LOOM_BIN/loom-test-libloom-probe" lost node-2 >"$T/lost.out" 2>&1 &
probe=$!
wait_until 30 "the lost probe's containers to run" grep -q '^running$' "$T/lost.out"
"$LOOM_SRC/tools/loom-cluster" kill-agent --dir "$CLUSTER" node-2 >/dev/null
wait "$probe" || fail "libloom_probe lost: $(cat "$T/lost.out")"
assert_contains "$(cat "$T/lost.out")" "ok: 0 failed checks" "libloom_probe lost"
pass "installed libloom, hello-framework and the API probe against a real rmd"
