# Sourced after lib.sh by the tests that drive rmtop as a person would: a private tmux
# server (its own -L socket, killed on exit with the test's status kept for e2e_cleanup),
# and helpers that read the screen and wait for text on it. The session is named "top".
command -v tmux >/dev/null || { echo "SKIP: $TEST_NAME: tmux is not installed"; exit 0; }

SOCK="loom-$TEST_NAME-$$"
tm() { tmux -L "$SOCK" "$@"; }
# The test's status must reach e2e_cleanup, which reads $? first.
trap 'rc=$?; set +e; tm kill-server >/dev/null 2>&1; (exit $rc); e2e_cleanup' EXIT

screen() { tm capture-pane -p -t top; }
# shows TEXT: the screen holds TEXT; shows_line A B: one line holds both.
shows() { screen | grep -q -- "$1"; }
shows_line() { screen | grep -- "$1" | grep -q -- "$2"; }
wait_screen() { # seconds, what, text [text on the same line]
	local s=$1 what=$2; shift 2
	if [ $# -eq 1 ]; then
		wait_until "$s" "$what (screen:
$(screen))" shows "$1"
	else
		wait_until "$s" "$what (screen:
$(screen))" shows_line "$1" "$2"
	fi
}
