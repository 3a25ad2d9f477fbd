// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: layout, escaping and Unicode handling. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "ktap.h"

struct capture {
	char *text;
	size_t len;
	FILE *f;
};

static struct json *start(struct capture *c, bool pretty)
{
	c->f = open_memstream(&c->text, &c->len);
	return json_new(c->f, pretty);
}

/* Ends the document and returns its text; free() it. */
static char *finish(struct capture *c, struct json *j)
{
	json_free(j);
	fclose(c->f);
	return c->text;
}

static char *escaped(const char *s)
{
	struct capture c;
	struct json *j = start(&c, false);

	json_string(j, s);
	return finish(&c, j);
}

#define CHECK_ESCAPE(in, want)			\
	do {					\
		char *got = escaped(in);	\
		CHECK_STR(got, want);		\
		free(got);			\
	} while (0)

static void empty_containers(void)
{
	struct capture c;
	struct json *j;
	char *out;

	j = start(&c, false);
	json_arr_open(j);
	json_arr_close(j);
	out = finish(&c, j);
	CHECK_STR(out, "[]\n");
	free(out);

	/* no blank lines inside an empty container, even when pretty */
	j = start(&c, true);
	json_obj_open(j);
	json_obj_close(j);
	out = finish(&c, j);
	CHECK_STR(out, "{}\n");
	free(out);

	j = start(&c, true);
	json_arr_open(j);
	json_arr_close(j);
	out = finish(&c, j);
	CHECK_STR(out, "[]\n");
	free(out);
}

static void nothing_written(void)
{
	struct capture c;
	struct json *j = start(&c, false);
	char *out = finish(&c, j);

	CHECK_STR(out, "");
	free(out);
}

static void build_sample(struct json *j)
{
	json_arr_open(j);
	json_obj_open(j);
	json_kv_uint(j, "id", 1);
	json_kv_string(j, "dev", "eth0");
	json_kv_string(j, "none", NULL);
	json_kv_bool(j, "spare", false);
	json_kv_null(j, "node");
	json_key(j, "list");
	json_arr_open(j);
	json_int(j, -1);
	json_bool(j, true);
	json_arr_close(j);
	json_key(j, "empty");
	json_obj_open(j);
	json_obj_close(j);
	json_obj_close(j);
	json_obj_open(j);
	json_obj_close(j);
	json_arr_close(j);
}

static void compact_layout(void)
{
	struct capture c;
	struct json *j = start(&c, false);
	char *out;

	build_sample(j);
	out = finish(&c, j);
	CHECK_STR(out, "[{\"id\":1,\"dev\":\"eth0\",\"none\":null,"
		       "\"spare\":false,\"node\":null,\"list\":[-1,true],"
		       "\"empty\":{}},{}]\n");
	free(out);
}

static void pretty_layout(void)
{
	struct capture c;
	struct json *j = start(&c, true);
	char *out;

	build_sample(j);
	out = finish(&c, j);
	CHECK_STR(out,
		  "[\n"
		  "    {\n"
		  "        \"id\": 1,\n"
		  "        \"dev\": \"eth0\",\n"
		  "        \"none\": null,\n"
		  "        \"spare\": false,\n"
		  "        \"node\": null,\n"
		  "        \"list\": [\n"
		  "            -1,\n"
		  "            true\n"
		  "        ],\n"
		  "        \"empty\": {}\n"
		  "    },\n"
		  "    {}\n"
		  "]\n");
	free(out);
}

static void number_limits(void)
{
	struct capture c;
	struct json *j = start(&c, false);
	char *out;

	json_arr_open(j);
	json_uint(j, 0);
	json_uint(j, UINT64_MAX);
	json_int(j, INT64_MIN);
	json_int(j, INT64_MAX);
	json_arr_close(j);
	out = finish(&c, j);
	CHECK_STR(out, "[0,18446744073709551615,-9223372036854775808,"
		       "9223372036854775807]\n");
	free(out);
}

static void escape_specials(void)
{
	CHECK_ESCAPE("", "\"\"\n");
	CHECK_ESCAPE("plain", "\"plain\"\n");
	CHECK_ESCAPE("a\"b", "\"a\\\"b\"\n");
	CHECK_ESCAPE("a\\b", "\"a\\\\b\"\n");
	CHECK_ESCAPE("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"\n");
	/* '/' and DEL need no escape */
	CHECK_ESCAPE("a/b\x7f", "\"a/b\x7f\"\n");
}

static void escape_controls(void)
{
	CHECK_ESCAPE("\x01", "\"\\u0001\"\n");
	CHECK_ESCAPE("x\x1fy", "\"x\\u001fy\"\n");
	CHECK_ESCAPE("\x1b[0m", "\"\\u001b[0m\"\n");
}

static void escape_keys(void)
{
	struct capture c;
	struct json *j = start(&c, false);
	char *out;

	json_obj_open(j);
	json_kv_string(j, "k\"\n", "v");
	json_obj_close(j);
	out = finish(&c, j);
	CHECK_STR(out, "{\"k\\\"\\n\":\"v\"}\n");
	free(out);
}

static void utf8_valid(void)
{
	CHECK_ESCAPE("\xc3\xa9", "\"\xc3\xa9\"\n");			/* U+00E9 */
	CHECK_ESCAPE("\xe2\x82\xac", "\"\xe2\x82\xac\"\n");		/* U+20AC */
	CHECK_ESCAPE("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"\n");	/* U+1F600 */
	CHECK_ESCAPE("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"\n");	/* U+10FFFF */
}

static void utf8_invalid(void)
{
	/* stray bytes become U+FFFD so the output stays valid JSON */
	CHECK_ESCAPE("\xff", "\"\\ufffd\"\n");
	CHECK_ESCAPE("a\x80z", "\"a\\ufffdz\"\n");
	/* a truncated sequence at the end must not read past the NUL */
	CHECK_ESCAPE("\xc3", "\"\\ufffd\"\n");
	CHECK_ESCAPE("\xe2\x82", "\"\\ufffd\\ufffd\"\n");
	/* overlong '/', a surrogate, and a code point past U+10FFFF */
	CHECK_ESCAPE("\xc0\xaf", "\"\\ufffd\\ufffd\"\n");
	CHECK_ESCAPE("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"\n");
	CHECK_ESCAPE("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"\n");
	CHECK_ESCAPE("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n");
}

const struct ktap_case json_cases[] = {
	{ "json: empty containers", empty_containers },
	{ "json: a writer with no value writes nothing", nothing_written },
	{ "json: compact layout", compact_layout },
	{ "json: pretty layout", pretty_layout },
	{ "json: number limits", number_limits },
	{ "json: escapes quotes, backslashes and named controls", escape_specials },
	{ "json: escapes other controls as \\u00XX", escape_controls },
	{ "json: escapes keys", escape_keys },
	{ "json: passes valid UTF-8 through", utf8_valid },
	{ "json: replaces invalid UTF-8", utf8_invalid },
	{ NULL, NULL },
};
