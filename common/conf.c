/*
 * Table-driven configuration over libconfig: defaults, loading with strict checks
 * (unknown keys, types and ranges are errors naming file:line), one-key overrides and a
 * dump that loads back. Values arrive as libconfig settings; conf-value parsing is shared
 * by the file, the defaults and -o overrides so all three accept the same syntax.
 */
#include "conf.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "resource.h"
#include "xmalloc.h"

/* A parsed value before it is stored: the union of what the types need. */
struct conf_val {
	int64_t i;
	bool b;
	char *s;
	char **v;
};

static void val_free(struct conf_val *v)
{
	free(v->s);
	if (v->v != NULL)
		for (char **p = v->v; *p != NULL; p++)
			free(*p);
	free(v->v);
}

static int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* "500ms", "5s", "1.5s", "2m", "1h", "1d", or a bare number of milliseconds. */
static int parse_ms(const char *s, int64_t *out)
{
	static const struct { const char *suffix; double mult; } units[] = {
		{ "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 },
	};
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || !(v >= 0))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].suffix) == 0 && v * units[i].mult < 9e15) {
			*out = (int64_t)llround(v * units[i].mult);
			return 0;
		}
	}
	return -1;
}

/* How a value of type t is shown in messages and dumps: 5s, 4G, 0.5, 12. */
static void fmt_val(enum conf_type t, int64_t v, char *buf, size_t len)
{
	static const struct { int64_t ms; const char *unit; } ms_units[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" },
	};
	if (t == CONF_MS) {
		for (size_t i = 0; i < sizeof ms_units / sizeof ms_units[0]; i++)
			if (v != 0 && v % ms_units[i].ms == 0) {
				snprintf(buf, len, "%lld%s", (long long)(v / ms_units[i].ms),
					 ms_units[i].unit);
				return;
			}
		snprintf(buf, len, "%lldms", (long long)v);
	} else if (t == CONF_MEM_MB && v != 0 && v % 1024 == 0) {
		snprintf(buf, len, "%lldG", (long long)(v / 1024));
	} else if (t == CONF_MEM_MB) {
		snprintf(buf, len, "%lldM", (long long)v);
	} else if (t == CONF_VCORES_M && v % 1000 != 0) {
		snprintf(buf, len, "%.3f", (double)v / 1000.0);
	} else if (t == CONF_VCORES_M) {
		snprintf(buf, len, "%lld", (long long)(v / 1000));
	} else {
		snprintf(buf, len, "%lld", (long long)v);
	}
}

static bool is_int(const config_setting_t *s)
{
	int t = config_setting_type(s);
	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

/* Integer-like types: an int in the type's unit, or a string with a unit. */
static int parse_scaled(const struct conf_entry *c, const config_setting_t *s, int64_t *out,
			char *err, size_t errlen)
{
	const char *str = config_setting_get_string(s);
	char why[160];

	if (is_int(s)) {
		*out = config_setting_get_int64(s);
		if (c->type == CONF_VCORES_M)
			*out *= 1000;
		return 0;
	}
	if (c->type == CONF_VCORES_M && config_setting_type(s) == CONFIG_TYPE_FLOAT) {
		*out = llround(config_setting_get_float(s) * 1000.0);
		return 0;
	}
	if (c->type == CONF_MS && str != NULL && parse_ms(str, out) == 0)
		return 0;
	if (c->type == CONF_MEM_MB && str != NULL && res_parse_mem(str, out, why, sizeof why) == 0)
		return 0;
	if (c->type == CONF_VCORES_M && str != NULL &&
	    res_parse_vcores(str, out, why, sizeof why) == 0)
		return 0;
	static const char *want[] = {
		[CONF_INT] = "an integer", [CONF_MS] = "a duration (500ms, 5s, 2m, 1h)",
		[CONF_MEM_MB] = "a size (512M, 4G; MiB by default)",
		[CONF_VCORES_M] = "a number of vcores (2, 0.5)",
	};
	return errf(err, errlen, "expected %s", want[c->type]);
}

static int check_range(const struct conf_entry *c, int64_t v, char *err, size_t errlen)
{
	char a[32], b[32];
	if (c->min == 0 && c->max == 0)
		return 0;
	fmt_val(c->type, v, a, sizeof a);
	if (v < c->min)
		return fmt_val(c->type, c->min, b, sizeof b),
		       errf(err, errlen, "%s is below the minimum %s", a, b);
	if (v > c->max)
		return fmt_val(c->type, c->max, b, sizeof b),
		       errf(err, errlen, "%s is above the maximum %s", a, b);
	return 0;
}

static int parse_strlist(const struct conf_entry *c, const config_setting_t *s,
			 struct conf_val *out, char *err, size_t errlen)
{
	int t = config_setting_type(s);
	if (t == CONFIG_TYPE_STRING) {
		out->v = xcalloc(2, sizeof *out->v);
		out->v[0] = xstrdup(config_setting_get_string(s));
		return 0;
	}
	if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY)
		return errf(err, errlen, "expected a list of strings");
	int n = config_setting_length(s);
	if (c->max > 0 && (n < c->min || n > c->max))
		return errf(err, errlen, "needs %lld to %lld entries", (long long)c->min,
			    (long long)c->max);
	out->v = xcalloc((size_t)n + 1, sizeof *out->v);
	for (int i = 0; i < n; i++) {
		const char *str = config_setting_get_string_elem(s, i);
		if (str == NULL)
			return errf(err, errlen, "entry %d is not a string", i + 1);
		out->v[i] = xstrdup(str);
	}
	return 0;
}

/* Parses setting s for entry c into out (which owns any memory, also on failure). */
static int parse_setting(const struct conf_entry *c, const config_setting_t *s,
			 struct conf_val *out, char *err, size_t errlen)
{
	const char *str;

	switch (c->type) {
	case CONF_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return errf(err, errlen, "expected true or false");
		out->b = config_setting_get_bool(s) != 0;
		return 0;
	case CONF_STR:
		if ((str = config_setting_get_string(s)) == NULL)
			return errf(err, errlen, "expected a string");
		if (c->max > 0 && ((int64_t)strlen(str) < c->min || (int64_t)strlen(str) > c->max))
			return errf(err, errlen, "must be %lld to %lld characters long",
				    (long long)c->min, (long long)c->max);
		out->s = xstrdup(str);
		return 0;
	case CONF_STRLIST:
		return parse_strlist(c, s, out, err, errlen);
	case CONF_EXTERN:
		return 0;
	case CONF_INT:
		if (!is_int(s))
			return errf(err, errlen, "expected an integer");
		out->i = config_setting_get_int64(s);
		return check_range(c, out->i, err, errlen);
	default:
		if (parse_scaled(c, s, &out->i, err, errlen) < 0)
			return -1;
		return check_range(c, out->i, err, errlen);
	}
}

static void store(const struct conf_entry *c, void *dst, struct conf_val *v)
{
	char *field = (char *)dst + c->off;

	switch (c->type) {
	case CONF_BOOL: *(bool *)field = v->b; break;
	case CONF_STR:
		free(*(char **)field);
		*(char **)field = v->s;
		v->s = NULL;
		break;
	case CONF_STRLIST: {
		struct conf_val old = { .v = *(char ***)field };
		val_free(&old);
		*(char ***)field = v->v;
		v->v = NULL;
		break;
	}
	case CONF_EXTERN: break;
	default: *(int64_t *)field = v->i; break;
	}
}

/* Replaces cfg's contents with one string setting "v" holding text as written. */
static const config_setting_t *raw_string(config_t *cfg, const char *text)
{
	config_destroy(cfg);
	config_init(cfg);
	config_setting_t *s = config_setting_add(config_root_setting(cfg), "v", CONFIG_TYPE_STRING);
	config_setting_set_string(s, text);
	return s;
}

/*
 * Parses text as a libconfig value and stores it if store_it. Text that is not a value
 * ("5s" without quotes) is taken as a string, so -o interval=5s works as well as
 * -o 'interval="5s"'; a string setting always takes the text as written (name=123).
 */
static int apply_text(const struct conf_entry *c, void *dst, const char *text, bool store_it,
		      char *err, size_t errlen)
{
	config_t cfg;
	struct conf_val v = { 0 };
	const config_setting_t *s = NULL;
	/* libconfig 1.5 truncates an integer literal past 32 bits unless it ends in L. */
	size_t digits = strspn(text + (text[0] == '-'), "0123456789");
	bool plain_int = digits > 0 && text[(text[0] == '-') + digits] == '\0';
	char *src = xasprintf("v = %s%s;", text, plain_int ? "L" : "");

	config_init(&cfg);
	if (config_read_string(&cfg, src) == CONFIG_TRUE)
		s = config_lookup(&cfg, "v");
	if (s == NULL || (c->type == CONF_STR && config_setting_type(s) != CONFIG_TYPE_STRING))
		s = raw_string(&cfg, text);
	free(src);
	int rc = parse_setting(c, s, &v, err, errlen);
	if (rc == 0 && store_it)
		store(c, dst, &v);
	val_free(&v);
	config_destroy(&cfg);
	return rc;
}

static void set_zero(const struct conf_entry *c, void *dst)
{
	char *field = (char *)dst + c->off;
	switch (c->type) {
	case CONF_BOOL: *(bool *)field = false; break;
	case CONF_STR: *(char **)field = NULL; break;
	case CONF_STRLIST: *(char ***)field = NULL; break;
	case CONF_EXTERN: break;
	default: *(int64_t *)field = 0; break;
	}
}

int conf_defaults(const struct conf_entry *t, size_t n, void *dst, char *err, size_t errlen)
{
	char why[256];

	for (size_t i = 0; i < n; i++)
		set_zero(&t[i], dst);
	for (size_t i = 0; i < n; i++) {
		if (t[i].def != NULL && apply_text(&t[i], dst, t[i].def, true, why, sizeof why) < 0)
			return errf(err, errlen, "%s: default '%s': %s", t[i].key, t[i].def, why);
	}
	return 0;
}

static const struct conf_entry *find(const struct conf_entry *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].key, key) == 0)
			return &t[i];
	return NULL;
}

int conf_set(const struct conf_entry *t, size_t n, void *dst, const char *kv, char *err,
	     size_t errlen)
{
	char why[256];
	const char *eq = strchr(kv, '=');

	if (eq == NULL || eq == kv)
		return errf(err, errlen, "'%s' is not key=value", kv);
	char *key = xstrndup(kv, (size_t)(eq - kv));
	const struct conf_entry *c = find(t, n, key);
	int rc = 0;
	if (c == NULL)
		rc = errf(err, errlen, "unknown setting '%s'", key);
	else if (c->type == CONF_EXTERN)
		rc = errf(err, errlen, "%s can only be set in the configuration file", key);
	else if (apply_text(c, dst, eq + 1, true, why, sizeof why) < 0)
		rc = errf(err, errlen, "%s: %s", key, why);
	free(key);
	return rc;
}

void conf_free(const struct conf_entry *t, size_t n, void *dst)
{
	for (size_t i = 0; i < n; i++) {
		char *field = (char *)dst + t[i].off;
		struct conf_val v = { 0 };
		if (t[i].type == CONF_STR)
			v.s = *(char **)field;
		else if (t[i].type == CONF_STRLIST)
			v.v = *(char ***)field;
		else
			continue;
		val_free(&v);
		set_zero(&t[i], dst);
	}
}

static const char *src_file(const config_setting_t *s, const char *path)
{
	const char *f = config_setting_source_file(s);
	return f != NULL ? f : path;
}

/* True when some key lies inside group prefix ("log." for key "log.level"). */
static bool has_prefix(const struct conf_entry *t, size_t n, const char *prefix)
{
	size_t len = strlen(prefix);
	for (size_t i = 0; i < n; i++)
		if (strncmp(t[i].key, prefix, len) == 0)
			return true;
	return false;
}

/* Walks the settings under group so that a misspelt key is an error, not a silent default. */
static int check_unknown(const struct conf_entry *t, size_t n, const config_setting_t *group,
			 const char *prefix, const char *path, char *err, size_t errlen)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		char *full = xasprintf("%s%s", prefix, config_setting_name(s));
		char *inner = xasprintf("%s.", full);
		int rc = 0;
		if (find(t, n, full) != NULL)
			rc = 0;
		else if (config_setting_is_group(s) && has_prefix(t, n, inner))
			rc = check_unknown(t, n, s, inner, path, err, errlen);
		else
			rc = errf(err, errlen, "%s:%d: unknown setting '%s'", src_file(s, path),
				  config_setting_source_line(s), full);
		free(full);
		free(inner);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Checks every known key (store_it false), or applies them all (true). */
static int apply_file(const struct conf_entry *t, size_t n, void *dst, config_t *cfg,
		      const char *path, bool store_it, char *err, size_t errlen)
{
	char why[256];

	for (size_t i = 0; i < n; i++) {
		const config_setting_t *s = config_lookup(cfg, t[i].key);
		struct conf_val v = { 0 };
		if (s == NULL)
			continue;
		int rc = parse_setting(&t[i], s, &v, why, sizeof why);
		if (rc == 0 && store_it)
			store(&t[i], dst, &v);
		val_free(&v);
		if (rc < 0)
			return errf(err, errlen, "%s:%d: %s: %s", src_file(s, path),
				    config_setting_source_line(s), t[i].key, why);
	}
	return 0;
}

int conf_load(const struct conf_entry *t, size_t n, void *dst, const char *path, char *err,
	      size_t errlen)
{
	config_t cfg;
	int rc = -1;

	config_init(&cfg);
	/* @include "x.conf" is relative to the including file. */
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		config_set_include_dir(&cfg, dir[0] ? dir : "/");
	}
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		else
			errf(err, errlen, "%s:%d: %s",
			     config_error_file(&cfg) ? config_error_file(&cfg) : path,
			     config_error_line(&cfg), config_error_text(&cfg));
	} else if (check_unknown(t, n, config_root_setting(&cfg), "", path, err, errlen) == 0 &&
		   apply_file(t, n, dst, &cfg, path, false, err, errlen) == 0) {
		rc = apply_file(t, n, dst, &cfg, path, true, err, errlen);
	}
	config_destroy(&cfg);
	free(dir);
	return rc;
}

static void dump_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* One "name = value;" line (or a comment when the value is unset). */
static void dump_entry(const struct conf_entry *c, const char *name, const void *src,
		       FILE *out, int depth)
{
	const char *field = (const char *)src + c->off;
	char buf[64];

	fprintf(out, "%*s# %s\n%*s", depth * 2, "", c->help ? c->help : "", depth * 2, "");
	if (c->type == CONF_EXTERN) {
		fprintf(out, "# %s: not shown here (see conf/rmd.conf)\n\n", name);
		return;
	}
	if ((c->type == CONF_STR && *(char *const *)field == NULL) ||
	    (c->type == CONF_STRLIST && *(char **const *)field == NULL)) {
		fprintf(out, "# %s is unset\n\n", name);
		return;
	}
	fprintf(out, "%s = ", name);
	switch (c->type) {
	case CONF_BOOL: fputs(*(const bool *)field ? "true" : "false", out); break;
	case CONF_STR: dump_string(out, *(char *const *)field); break;
	case CONF_STRLIST: {
		char **v = *(char **const *)field;
		fputc('[', out);
		for (int i = 0; v[i] != NULL; i++) {
			fputs(i ? ", " : " ", out);
			dump_string(out, v[i]);
		}
		fputs(v[0] ? " ]" : "]", out);
		break;
	}
	case CONF_INT: {
		int64_t v = *(const int64_t *)field;
		fprintf(out, "%lld%s", (long long)v, v < INT_MIN || v > INT_MAX ? "L" : "");
		break;
	}
	case CONF_VCORES_M:
		fmt_val(c->type, *(const int64_t *)field, buf, sizeof buf);
		fputs(buf, out);
		break;
	default:
		fmt_val(c->type, *(const int64_t *)field, buf, sizeof buf);
		dump_string(out, buf);
		break;
	}
	fputs(";\n\n", out);
}

/* Writes the entries under prefix, opening a libconfig group per dotted component. */
static void dump_group(const struct conf_entry *t, size_t n, const void *src, FILE *out,
		       const char *prefix, int depth)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < n; i++)
		if (strncmp(t[i].key, prefix, plen) == 0 && !strchr(t[i].key + plen, '.'))
			dump_entry(&t[i], t[i].key + plen, src, out, depth);
	for (size_t i = 0; i < n; i++) {
		if (strncmp(t[i].key, prefix, plen) != 0)
			continue;
		const char *rest = t[i].key + plen, *dot = strchr(rest, '.');
		if (dot == NULL)
			continue;
		char *inner = xstrndup(t[i].key, (size_t)(dot - t[i].key) + 1);
		bool seen = false; /* an earlier entry already opened this group */
		for (size_t j = 0; j < i && !seen; j++)
			seen = strncmp(t[j].key, inner, strlen(inner)) == 0;
		if (!seen) {
			fprintf(out, "%*s%.*s = {\n", depth * 2, "", (int)(dot - rest), rest);
			dump_group(t, n, src, out, inner, depth + 1);
			fprintf(out, "%*s};\n\n", depth * 2, "");
		}
		free(inner);
	}
}

void conf_dump(const struct conf_entry *t, size_t n, const void *src, FILE *out)
{
	dump_group(t, n, src, out, "", 0);
}
