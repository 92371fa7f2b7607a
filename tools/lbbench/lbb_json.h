/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_json: a minimal streaming JSON writer for lbbench's summary.
 *
 * Owns the commas, the nesting and the string escaping, so callers write
 * only keys and values: lbb_json_obj(j, "rates"); lbb_json_u64(j, "pps",
 * x); lbb_json_end(j). Output goes into a caller-supplied buffer; when it
 * does not fit, the writer stops writing and lbb_json_ok() says so (no
 * truncated document is ever presented as complete). Inside an array,
 * keys are ignored (pass NULL).
 */
#ifndef LBB_JSON_H
#define LBB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LBB_JSON_DEPTH 16

struct lbb_json {
	char *buf;
	size_t cap, len;
	unsigned depth;
	bool first[LBB_JSON_DEPTH]; /* no member written yet at this level */
	bool is_array[LBB_JSON_DEPTH];
	bool overflow;              /* buffer too small */
	bool misuse;                /* unbalanced end or nesting too deep */
};

/* Starts the document: an object at the top level. */
void lbb_json_init(struct lbb_json *j, char *buf, size_t cap);
void lbb_json_obj(struct lbb_json *j, const char *key);
void lbb_json_arr(struct lbb_json *j, const char *key);
void lbb_json_end(struct lbb_json *j);
void lbb_json_str(struct lbb_json *j, const char *key, const char *val);
void lbb_json_u64(struct lbb_json *j, const char *key, uint64_t val);
void lbb_json_i64(struct lbb_json *j, const char *key, int64_t val);
/* Non-finite values become null (JSON has no NaN). */
void lbb_json_dbl(struct lbb_json *j, const char *key, double val);
void lbb_json_bool(struct lbb_json *j, const char *key, bool val);
void lbb_json_null(struct lbb_json *j, const char *key);
/* Closes every open level and ends with a newline; returns the length,
 * or -1 when the buffer overflowed or the nesting was misused. */
long lbb_json_finish(struct lbb_json *j);
bool lbb_json_ok(const struct lbb_json *j);

#endif /* LBB_JSON_H */
