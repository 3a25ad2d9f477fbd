// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer. */
#include <inttypes.h>
#include <stdlib.h>

#include "json.h"

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	bool pretty;
	bool want_value;	/* a key was written, its value comes next */
	bool started;		/* something was written at top level */
	int depth;
	struct {
		char close;	/* '}' or ']' */
		bool empty;	/* no member written yet */
	} level[JSON_MAX_DEPTH];
};

struct json *json_new(FILE *f, bool pretty)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		abort();
	j->f = f;
	j->pretty = pretty;
	return j;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	if (j->depth || j->want_value)
		abort();
	if (j->started)
		fputc('\n', j->f);
	free(j);
}

static void newline(struct json *j)
{
	int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("    ", j->f);
}

/* Separator and layout before any value or key. */
static void begin_item(struct json *j, bool is_key)
{
	if (j->want_value) {
		if (is_key)
			abort();
		j->want_value = false;
		return;
	}
	if (!j->depth) {
		/* one document per writer */
		if (j->started || is_key)
			abort();
		j->started = true;
		return;
	}
	/* objects take key/value pairs, arrays bare values */
	if (is_key != (j->level[j->depth - 1].close == '}'))
		abort();
	if (!j->level[j->depth - 1].empty)
		fputc(',', j->f);
	j->level[j->depth - 1].empty = false;
	newline(j);
}

static void open_level(struct json *j, char open, char close)
{
	begin_item(j, false);
	if (j->depth == JSON_MAX_DEPTH)
		abort();
	fputc(open, j->f);
	j->level[j->depth].close = close;
	j->level[j->depth].empty = true;
	j->depth++;
}

static void close_level(struct json *j, char close)
{
	bool empty;

	if (!j->depth || j->want_value || j->level[j->depth - 1].close != close)
		abort();
	empty = j->level[j->depth - 1].empty;
	j->depth--;
	if (!empty)
		newline(j);
	fputc(close, j->f);
}

void json_obj_open(struct json *j)
{
	open_level(j, '{', '}');
}

void json_obj_close(struct json *j)
{
	close_level(j, '}');
}

void json_arr_open(struct json *j)
{
	open_level(j, '[', ']');
}

void json_arr_close(struct json *j)
{
	close_level(j, ']');
}

void json_key(struct json *j, const char *key)
{
	begin_item(j, true);
	json_write_string(j->f, key);
	fputs(j->pretty ? ": " : ":", j->f);
	j->want_value = true;
}

/* Length of the valid UTF-8 sequence at @s, or 0. */
static int utf8_len(const unsigned char *s)
{
	uint32_t cp;
	int len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void json_write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int len;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			len = utf8_len(s);
			if (!len) {
				/* device names are bytes; JSON wants Unicode */
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, (size_t)len, f);
			s += len;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

void json_string(struct json *j, const char *s)
{
	begin_item(j, false);
	json_write_string(j->f, s);
}

void json_uint(struct json *j, uint64_t v)
{
	begin_item(j, false);
	fprintf(j->f, "%" PRIu64, v);
}

void json_int(struct json *j, int64_t v)
{
	begin_item(j, false);
	fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	begin_item(j, false);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	begin_item(j, false);
	fputs("null", j->f);
}
