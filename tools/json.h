/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_JSON_H
#define SHOAL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A streaming JSON writer. Compact output has no blanks at all; pretty
 * output puts each member on its own line, indented by four spaces.
 * Nesting mistakes are programming errors and abort.
 */
struct json;

struct json *json_new(FILE *f, bool pretty);
/* Ends the document with a newline and frees the writer. */
void json_free(struct json *j);

void json_obj_open(struct json *j);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j);
void json_arr_close(struct json *j);

/* Inside an object, names the next value. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Writes @s as a quoted JSON string: always valid JSON, even for bad UTF-8. */
void json_write_string(FILE *f, const char *s);

static inline void json_kv_string(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	if (v)
		json_string(j, v);
	else
		json_null(j);
}

static inline void json_kv_uint(struct json *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_uint(j, v);
}

static inline void json_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}

static inline void json_kv_null(struct json *j, const char *k)
{
	json_key(j, k);
	json_null(j);
}

#endif
