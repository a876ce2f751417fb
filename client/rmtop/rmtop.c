/*
 * rmtop: main. Parses the command line, then runs one libevent loop holding the
 * connection to rmd (conn.c), the keyboard (stdin as an event, read with getch), the
 * terminal's resizes (SIGWINCH) and a one-second tick that refreshes ages on screen.
 * With --once it prints one plain-text snapshot instead and exits.
 */
#include <getopt.h>
#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client.h"
#include "rmtop.h"
#include "timeutil.h"

#define TICK_MS 1000

static const char usage_text[] =
	"usage: rmtop [--rm HOST:PORT] [--once]\n"
	"  --rm HOST:PORT  rmd's client address (default: $LOOM_RM, else 127.0.0.1:7420)\n"
	"  --once          print one plain-text snapshot and exit (for scripts)\n"
	"  -h, --help      this help; inside rmtop, press ? for the keys\n";

static void stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct top *t = arg;
	int ch;

	while (!t->quit && (ch = getch()) != ERR) {
		if (ch == KEY_RESIZE)
			ui_draw(t);
		else
			ui_key(t, ch);
	}
}

/* The terminal changed size: tell curses, then redraw at the new size. */
static void winch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	ui_draw(arg);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct top *t = arg;

	t->quit = true;
	event_base_loopbreak(t->base);
}

/* Ages on screen move each second; heartbeat ages (and a node detail's attempts, for
 * their progress, and the autoscaler's idle times) are refetched while nodes show, and an
 * rmd without the event stream is polled. */
static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct top *t = arg;
	static unsigned n;

	n++;
	if (t->ready && !t->subscribed)
		fetch_mark(t, F_ALL);
	else if (t->ready && (n % 2) == 0 && t->detail && t->detail_is_node)
		fetch_mark(t, F_NODES | F_DETAIL | (t->m.npools ? F_AUTOSCALE : 0));
	else if (t->ready && (n % 2) == 0 && t->cur == 2)
		fetch_mark(t, F_NODES | (t->m.npools ? F_AUTOSCALE : 0)); /* idle times move */
	ui_draw(t);
}

static int parse_args(int argc, char **argv, struct top *t)
{
	static const struct option longopts[] = {
		{ "rm", required_argument, NULL, 'r' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rm = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': rm = optarg; break;
		case '1': t->once = true; break;
		case 'h': fputs(usage_text, stdout); return 1;
		default: fputs(usage_text, stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rmtop: unexpected argument '%s'\n%s", argv[optind], usage_text);
		return -1;
	}
	t->addr = loom_addr_choose(rm);
	return 0;
}

/* The events of the interactive screen. */
static void screen_start(struct top *t, struct event *sig[2])
{
	struct timeval tick = tv_from_ms(TICK_MS);

	ui_init(t);
	t->ev_stdin = event_new(t->base, STDIN_FILENO, EV_READ | EV_PERSIST, stdin_cb, t);
	t->ev_winch = evsignal_new(t->base, SIGWINCH, winch_cb, t);
	t->ev_tick = event_new(t->base, -1, EV_PERSIST, tick_cb, t);
	event_add(t->ev_stdin, NULL);
	event_add(t->ev_winch, NULL);
	event_add(t->ev_tick, &tick);
	sig[0] = evsignal_new(t->base, SIGINT, stop_cb, t);
	sig[1] = evsignal_new(t->base, SIGTERM, stop_cb, t);
	event_add(sig[0], NULL);
	event_add(sig[1], NULL);
	ui_draw(t);
}

static void screen_stop(struct top *t, struct event *sig[2])
{
	event_free(t->ev_stdin);
	event_free(t->ev_winch);
	event_free(t->ev_tick);
	event_free(sig[0]);
	event_free(sig[1]);
	ui_free(t);
}

int main(int argc, char **argv)
{
	struct top t;
	struct event *sig[2] = { NULL, NULL };
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = parse_args(argc, argv, &t)) != 0)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	if (!t.once && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "rmtop: needs a terminal (use --once for a plain snapshot)\n");
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	t.base = event_base_new();
	model_init(&t.m);
	if (!t.once)
		screen_start(&t, sig);
	conn_start(&t);
	if (!t.quit)
		event_base_dispatch(t.base);
	conn_stop(&t);
	/* A closed peer frees itself on a later loop turn: let those turns run. */
	for (int i = 0; i < 3; i++)
		event_base_loop(t.base, EVLOOP_NONBLOCK);
	if (!t.once)
		screen_stop(&t, sig);
	model_free(&t.m);
	event_base_free(t.base);
	return t.exit_code;
}
