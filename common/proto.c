/* The protocol's names (types, roles, errors), the envelope, ERROR and HELLO. */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto-util.h"
#include "xmalloc.h"

const char *msg_type_name(int type)
{
	switch (type) {
#define MSG(id, name, wire) case id: return wire;
#include "msgtypes.def"
#undef MSG
	default: return "unknown";
	}
}

bool msg_type_known(int type)
{
	return strcmp(msg_type_name(type), "unknown") != 0;
}

static const struct {
	int role;
	const char *name;
} roles[] = {
	{ ROLE_NODE, "node" },
	{ ROLE_CLIENT, "client" },
	{ ROLE_FRAMEWORK, "framework" },
};

const char *role_name(int role)
{
	if (role == ROLE_NONE)
		return "none";
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (roles[i].role == role)
			return roles[i].name;
	return "unknown";
}

int role_parse(const char *s)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(roles[i].name, s) == 0)
			return roles[i].role;
	return -1;
}

const char *err_code_name(int code)
{
	static const char *names[] = {
		[ERR_BAD_REQUEST] = "bad_request", [ERR_UNKNOWN_TYPE] = "unknown_type",
		[ERR_NOT_ALLOWED] = "not_allowed", [ERR_NEED_HELLO] = "need_hello",
		[ERR_VERSION] = "version", [ERR_NOT_FOUND] = "not_found",
		[ERR_REJECTED] = "rejected", [ERR_CONFLICT] = "conflict",
		[ERR_UNAVAILABLE] = "unavailable", [ERR_INTERNAL] = "internal",
		[ERR_TOO_BIG] = "too_big", [ERR_MALFORMED] = "malformed",
	};
	if (code <= 0 || (size_t)code >= sizeof names / sizeof names[0])
		return "unknown";
	return names[code];
}

const char *attempt_report_state_name(int s)
{
	static const char *names[] = { [AR_RUNNING] = "running", [AR_EXITED] = "exited",
		[AR_KILLED] = "killed", [AR_LAUNCH_FAILED] = "launch_failed",
		[AR_LIMIT_KILLED] = "limit_killed" };
	if (s < AR_RUNNING || s > AR_LIMIT_KILLED)
		return "unknown";
	return names[s];
}

int msg_envelope(const msgpack_object *o, int *type, uint64_t *id, struct mpr_err *e)
{
	int64_t t;
	uint64_t rid = 0;

	if (o->type != MSGPACK_OBJECT_MAP)
		return mpr_fail(e, "", "a message must be a map");
	if (mpr_int(o, "t", true, 0, INT32_MAX, &t, e) < 0 ||
	    mpr_uint(o, "id", false, UINT64_MAX, &rid, e) < 0)
		return -1;
	*type = (int)t;
	*id = rid;
	return 0;
}

void msg_encode_error(struct mpw *w, uint64_t id, int code, const char *field,
		      const char *message)
{
	mpw_msg(w, MSG_ERROR, id, 3);
	mpw_kint(w, "code", code);
	mpw_kstr(w, "field", field ? field : "");
	mpw_kstr(w, "message", message ? message : "");
}

int msg_decode_error(const msgpack_object *o, struct msg_error *m, struct mpr_err *e)
{
	struct msg_error r = { 0 };
	int64_t code;

	if (mpr_int(o, "code", true, 1, INT32_MAX, &code, e) < 0 ||
	    mpr_str(o, "field", false, r.field, sizeof r.field, e) < 0 ||
	    mpr_str(o, "message", false, r.message, sizeof r.message, e) < 0)
		return -1;
	r.code = (int)code;
	*m = r;
	return 0;
}

void msg_encode_hello(struct mpw *w, uint64_t id, const struct msg_hello *m)
{
	mpw_msg(w, MSG_HELLO, id, 3);
	mpw_kstr(w, "role", role_name(m->role));
	mpw_kint(w, "version", m->version);
	mpw_kstr(w, "name", m->name);
}

int msg_decode_hello(const msgpack_object *o, struct msg_hello *m, struct mpr_err *e)
{
	struct msg_hello r = { 0 };
	char role[16];

	if (mpr_str(o, "role", true, role, sizeof role, e) < 0 ||
	    mpr_int(o, "version", true, 0, INT32_MAX, &r.version, e) < 0 ||
	    mpr_str(o, "name", false, r.name, sizeof r.name, e) < 0)
		return -1;
	r.role = role_parse(role);
	if (r.role < 0)
		return mpr_fail(e, "role", "must be \"node\", \"client\" or \"framework\"");
	*m = r;
	return 0;
}

int proto_argv(const msgpack_object *o, char ***argv, int *n, struct mpr_err *e)
{
	char **v = NULL;
	int nv = 0;

	if (mpr_strv_any(o, "argv", true, PROTO_MAX_ARGV, PROTO_ARG_MAX, &v, &nv, e) < 0)
		return -1;
	if (nv < 1 || v[0][0] == '\0') {
		mpr_strv_free(v);
		return mpr_fail(e, "argv", "needs at least a non-empty command");
	}
	*argv = v;
	*n = nv;
	return 0;
}

int proto_env(const msgpack_object *o, char ***env, int *n, struct mpr_err *e)
{
	char **v = NULL;
	int nv = 0;

	if (mpr_strv(o, "env", false, PROTO_MAX_ENV, PROTO_ARG_MAX, &v, &nv, e) < 0)
		return -1;
	if (v == NULL)
		v = xcalloc(1, sizeof *v); /* env is never NULL after decoding */
	for (int i = 0; i < nv; i++) {
		const char *eq = strchr(v[i], '=');
		if (eq == NULL || eq == v[i]) {
			mpr_strv_free(v);
			char field[32];
			snprintf(field, sizeof field, "env[%d]", i);
			return mpr_fail(e, field, "must be KEY=VALUE with a non-empty KEY");
		}
	}
	*env = v;
	*n = nv;
	return 0;
}

int proto_path(const msgpack_object *o, const char *key, char **out, struct mpr_err *e)
{
	char *p = NULL;

	if (mpr_strdup(o, key, false, PROTO_PATH_MAX - 1, &p, e) < 0)
		return -1;
	if (p != NULL && p[0] != '\0' && p[0] != '/') {
		free(p);
		return mpr_fail(e, key, "must be an absolute path or empty");
	}
	*out = p != NULL ? p : xstrdup("");
	return 0;
}

int proto_stream(const msgpack_object *o, const char *key, char out[8], struct mpr_err *e)
{
	char s[8] = "stdout";

	if (mpr_str(o, key, false, s, sizeof s, e) < 0)
		return -1;
	if (strcmp(s, "stdout") != 0 && strcmp(s, "stderr") != 0)
		return mpr_fail(e, key, "must be \"stdout\" or \"stderr\"");
	memcpy(out, s, sizeof s);
	return 0;
}
