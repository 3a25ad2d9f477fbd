// SPDX-License-Identifier: GPL-2.0
/* shoal key: the cluster key that authenticates heartbeats. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "key.h"
#include "parse.h"
#include "shoal.h"
#include "utils.h"

#define HINT "shoal key help"

/* A key file is one line; anything much longer is something else. */
#define KEY_FILE_MAX	4096

static void usage(void)
{
	printf("Usage: shoal key generate\n"
	       "       shoal key help\n");
}

int key_parse(const char *text, size_t len, uint8_t *key)
{
	uint8_t k[SHOAL_KEY_LEN];
	size_t i;

	while (len && is_blank(text[0])) {
		text++;
		len--;
	}
	while (len && is_blank(text[len - 1]))
		len--;
	if (len != KEY_HEX_LEN)
		return -1;

	for (i = 0; i < SHOAL_KEY_LEN; i++) {
		int hi = hex_digit(text[2 * i]);
		int lo = hex_digit(text[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			explicit_bzero(k, sizeof(k));
			return -1;
		}
		k[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, k, sizeof(k));
	explicit_bzero(k, sizeof(k));
	return 0;
}

const char *key_format(const uint8_t *key, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < SHOAL_KEY_LEN; i++) {
		buf[2 * i] = digits[key[i] >> 4];
		buf[2 * i + 1] = digits[key[i] & 0xf];
	}
	buf[KEY_HEX_LEN] = '\0';
	return buf;
}

/* The batch "-" reads from, if any, and its line count. */
static FILE *batch_in;
static int *batch_lineno;

void key_stdin_batch(FILE *f, int *lineno)
{
	batch_in = f;
	batch_lineno = f ? lineno : NULL;
}

/* "key -" in a batch from standard input: the key is its next line. */
static int key_read_batch(uint8_t *key)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	int ret = -1;

	len = getline(&line, &size, batch_in);
	if (len < 0) {
		if (ferror(batch_in))
			pr_err_sys("cannot read standard input: %s.",
				   strerror(errno));
		else
			pr_err("standard input ends before the key; \"key -\" in a batch takes the next line.");
		goto out;
	}
	(*batch_lineno)++;
	if (key_parse(line, (size_t)len, key)) {
		pr_err("line %d of standard input does not hold a key (%d hex digits); make one with \"shoal key generate\".",
		       *batch_lineno, KEY_HEX_LEN);
		goto out;
	}
	ret = 0;

out:
	if (line)
		explicit_bzero(line, size);
	free(line);
	return ret;
}

int key_read_file(const char *name, uint8_t *key)
{
	bool is_stdin = !strcmp(name, "-");
	char buf[KEY_FILE_MAX + 1];
	size_t len = 0;
	struct stat st;
	int fd, ret = -1;

	if (is_stdin && batch_in)
		return key_read_batch(key);
	fd = is_stdin ? STDIN_FILENO : open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err_sys("cannot open \"%s\": %s.", name, strerror(errno));
		return -1;
	}
	/* as wg does: a key others can read deserves a word, not a refusal */
	if (!is_stdin && !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IRWXO))
		pr_warn("\"%s\" is world accessible.", name);

	/* a pipe may hand the key over in pieces */
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (is_stdin)
				pr_err_sys("cannot read standard input: %s.",
					   strerror(errno));
			else
				pr_err_sys("cannot read \"%s\": %s.", name,
					   strerror(errno));
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}

	/* a full buffer means more to come: not all of it was looked at */
	if (len == sizeof(buf) || key_parse(buf, len, key)) {
		if (is_stdin)
			pr_err("standard input does not hold a key (%d hex digits); make one with \"shoal key generate\".",
			       KEY_HEX_LEN);
		else	/* not "> NAME": NAME may be some other precious file */
			pr_err("\"%s\" does not hold a key (%d hex digits); make one with \"shoal key generate > FILE\".",
			       name, KEY_HEX_LEN);
		goto out;
	}
	ret = 0;

out:
	explicit_bzero(buf, sizeof(buf));
	if (!is_stdin)
		close(fd);
	return ret;
}

int key_generate(uint8_t *key)
{
	size_t got = 0;

	while (got < SHOAL_KEY_LEN) {
		ssize_t n = getrandom(key + got, SHOAL_KEY_LEN - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pr_err_sys("cannot get random bytes: %s.", strerror(errno));
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int key_generate_cmd(int argc, char **argv)
{
	uint8_t key[SHOAL_KEY_LEN];
	char hex[KEY_HEX_LEN + 1];
	struct stat st;

	if (no_more_args(argc, argv, HINT))
		return -1;
	/* as wg genkey does: "> FILE" under umask 022 leaves the key readable */
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IRWXO))
		pr_warn("writing a key to a world accessible file; consider \"umask 077\".");

	if (key_generate(key))
		return -1;
	printf("%s\n", key_format(key, hex));
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hex, sizeof(hex));
	return 0;
}

static const struct cmd commands[] = {
	{ "generate", key_generate_cmd, false },
	{ NULL, NULL, false },
};

int do_key(int argc, char **argv)
{
	/* no default: a key is made on purpose, not by a bare "shoal key" */
	return dispatch(commands, "key", NULL, usage, argc, argv);
}
