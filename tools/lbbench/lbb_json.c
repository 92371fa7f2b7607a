/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_json: streaming JSON writer (see lbb_json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lbb_json.h"

static void put(struct lbb_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct lbb_json *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, j->cap - j->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= j->cap - j->len) {
		j->overflow = true;
		j->buf[j->len] = '\0'; /* never leave half a token behind */
		return;
	}
	j->len += (size_t)n;
}

static void put_string(struct lbb_json *j, const char *s)
{
	put(j, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(j, "\\%c", c);
		else if (c == '\n')
			put(j, "\\n");
		else if (c == '\t')
			put(j, "\\t");
		else if (c < 0x20)
			put(j, "\\u%04x", c);
		else
			put(j, "%c", c);
	}
	put(j, "\"");
}

/* The comma and the key before a member. */
static void member(struct lbb_json *j, const char *key)
{
	if (!j->first[j->depth])
		put(j, ",");
	j->first[j->depth] = false;
	if (!j->is_array[j->depth]) {
		put_string(j, key ? key : "");
		put(j, ":");
	}
}

void lbb_json_init(struct lbb_json *j, char *buf, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->cap = cap;
	if (cap == 0) {
		j->overflow = true;
		return;
	}
	buf[0] = '\0';
	j->first[0] = true;
	put(j, "{");
}

static void open_level(struct lbb_json *j, const char *key, bool array)
{
	if (j->depth + 1 >= LBB_JSON_DEPTH) {
		j->misuse = true;
		return;
	}
	member(j, key);
	put(j, array ? "[" : "{");
	j->depth++;
	j->first[j->depth] = true;
	j->is_array[j->depth] = array;
}

void lbb_json_obj(struct lbb_json *j, const char *key)
{
	open_level(j, key, false);
}

void lbb_json_arr(struct lbb_json *j, const char *key)
{
	open_level(j, key, true);
}

void lbb_json_end(struct lbb_json *j)
{
	if (j->depth == 0) {
		j->misuse = true;
		return;
	}
	put(j, j->is_array[j->depth] ? "]" : "}");
	j->depth--;
}

void lbb_json_str(struct lbb_json *j, const char *key, const char *val)
{
	member(j, key);
	if (val)
		put_string(j, val);
	else
		put(j, "null");
}

void lbb_json_u64(struct lbb_json *j, const char *key, uint64_t val)
{
	member(j, key);
	put(j, "%" PRIu64, val);
}

void lbb_json_i64(struct lbb_json *j, const char *key, int64_t val)
{
	member(j, key);
	put(j, "%" PRId64, val);
}

void lbb_json_dbl(struct lbb_json *j, const char *key, double val)
{
	member(j, key);
	if (isfinite(val))
		put(j, "%.10g", val);
	else
		put(j, "null");
}

void lbb_json_bool(struct lbb_json *j, const char *key, bool val)
{
	member(j, key);
	put(j, val ? "true" : "false");
}

void lbb_json_null(struct lbb_json *j, const char *key)
{
	member(j, key);
	put(j, "null");
}

long lbb_json_finish(struct lbb_json *j)
{
	while (j->depth > 0)
		lbb_json_end(j);
	put(j, "}\n");
	if (!lbb_json_ok(j))
		return -1;
	return (long)j->len;
}

bool lbb_json_ok(const struct lbb_json *j)
{
	return !j->overflow && !j->misuse;
}
