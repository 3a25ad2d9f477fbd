// SPDX-License-Identifier: GPL-2.0
/* Cluster keys: the hex form, key files and fresh keys. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "key.h"
#include "ktap.h"
#include "utils.h"

#define KEY_HEX "000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"

/* Collects what pr_err() and pr_warn() print. */
static bool is_key_0_to_31(const uint8_t *key)
{
	int i;

	for (i = 0; i < SHOAL_KEY_LEN; i++)
		if (key[i] != i)
			return false;
	return true;
}

static int parse_str(const char *text, uint8_t *key)
{
	return key_parse(text, strlen(text), key);
}

static void hex_valid(void)
{
	uint8_t key[SHOAL_KEY_LEN];
	char buf[KEY_HEX_LEN + 1];

	memset(key, 0xaa, sizeof(key));
	CHECK_INT(parse_str(KEY_HEX, key), 0);
	CHECK(is_key_0_to_31(key));
	CHECK_STR(key_format(key, buf), KEY_HEX);

	/* what "shoal key generate > FILE" writes, and blanks around it */
	memset(key, 0, sizeof(key));
	CHECK_INT(parse_str(KEY_HEX "\n", key), 0);
	CHECK(is_key_0_to_31(key));
	memset(key, 0, sizeof(key));
	CHECK_INT(parse_str(" \t\n" KEY_HEX " \r\n\n", key), 0);
	CHECK(is_key_0_to_31(key));
	memset(key, 0, sizeof(key));
	CHECK_INT(parse_str("000102030405060708090A0B0C0D0E0F"
			    "101112131415161718191A1B1C1D1E1F", key), 0);
	CHECK(is_key_0_to_31(key));

	memset(key, 0xff, sizeof(key));
	CHECK_STR(key_format(key, buf), "ffffffffffffffffffffffffffffffff"
					"ffffffffffffffffffffffffffffffff");
	CHECK_INT(parse_str(buf, key), 0);
}

static void hex_invalid(void)
{
	static const char *const bad[] = {
		"",
		"\n",
		/* short and long by a digit and by a byte */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
		KEY_HEX "0",
		KEY_HEX "00",
		/* not hex */
		"0g0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
		"0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		/* a blank inside, garbage after */
		"000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1",
		KEY_HEX " x",
		KEY_HEX "\nsecond line",
		"# key\n" KEY_HEX,
		/* a WireGuard key is base64, not hex */
		"yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
	};
	uint8_t key[SHOAL_KEY_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(key, 0x5a, sizeof(key));
		ktap_check_int(parse_str(bad[i], key), -1, bad[i], __FILE__,
			       __LINE__);
		/* a failed parse leaves the key alone */
		ktap_check_int(key[0] == 0x5a && key[SHOAL_KEY_LEN - 1] == 0x5a,
			       1, bad[i], __FILE__, __LINE__);
	}

	/* a NUL is no end of the text */
	CHECK_INT(key_parse(KEY_HEX "\0" "00", KEY_HEX_LEN + 3, key), -1);
	CHECK_INT(key_parse(KEY_HEX "\0", KEY_HEX_LEN + 1, key), -1);
	CHECK_INT(key_parse(KEY_HEX, KEY_HEX_LEN - 1, key), -1);
}

/* A file in a fresh directory holding @len bytes of @text, with @mode. */
struct tmpfile {
	char dir[64];
	char path[96];
};

static void tmp_write(struct tmpfile *t, const char *text, size_t len,
		      mode_t mode)
{
	int fd;

	snprintf(t->dir, sizeof(t->dir), "/tmp/shoal-key-XXXXXX");
	if (!mkdtemp(t->dir))
		abort();
	snprintf(t->path, sizeof(t->path), "%s/key", t->dir);
	fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    fchmod(fd, mode) || close(fd))
		abort();
}

static void tmp_remove(struct tmpfile *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

/* Reads @text from a file of @mode; returns what was printed. */
static char *read_text(const char *text, size_t len, mode_t mode, int want,
		       uint8_t *key, int line)
{
	struct tmpfile t;
	struct errbuf e;
	char *msg;

	tmp_write(&t, text, len, mode);
	err_start(&e);
	ktap_check_int(key_read_file(t.path, key), want, "key_read_file",
		       __FILE__, line);
	msg = err_end(&e);
	tmp_remove(&t);
	return msg;
}

static void file_valid(void)
{
	uint8_t key[SHOAL_KEY_LEN];
	char *msg;

	memset(key, 0, sizeof(key));
	msg = read_text(KEY_HEX "\n", KEY_HEX_LEN + 1, 0600, 0, key, __LINE__);
	CHECK_STR(msg, "");
	CHECK(is_key_0_to_31(key));
	free(msg);

	/* group access is a choice (a shoal group, say); no word on it */
	memset(key, 0, sizeof(key));
	msg = read_text(KEY_HEX, KEY_HEX_LEN, 0640, 0, key, __LINE__);
	CHECK_STR(msg, "");
	CHECK(is_key_0_to_31(key));
	free(msg);
}

static void file_world_readable(void)
{
	uint8_t key[SHOAL_KEY_LEN];
	struct tmpfile t;
	struct errbuf e;
	char want[160];
	char *msg;

	/* a warning, not a refusal */
	tmp_write(&t, KEY_HEX "\n", KEY_HEX_LEN + 1, 0644);
	memset(key, 0, sizeof(key));
	err_start(&e);
	CHECK_INT(key_read_file(t.path, key), 0);
	msg = err_end(&e);
	snprintf(want, sizeof(want), "Warning: \"%s\" is world accessible.\n",
		 t.path);
	CHECK_STR(msg, want);
	CHECK(is_key_0_to_31(key));
	free(msg);
	tmp_remove(&t);
}

static void file_invalid(void)
{
	static const char *const bad[] = {
		"",
		"000102030405060708090a0b0c0d0e0f\n",
		"not a key at all\n",
		KEY_HEX "\ntrailing garbage\n",
		KEY_HEX KEY_HEX "\n",
	};
	static char big[8192];
	uint8_t key[SHOAL_KEY_LEN];
	struct tmpfile t;
	struct errbuf e;
	char want[256];
	size_t i;
	char *msg;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tmp_write(&t, bad[i], strlen(bad[i]), 0600);
		memset(key, 0x5a, sizeof(key));
		err_start(&e);
		ktap_check_int(key_read_file(t.path, key), -1, bad[i], __FILE__,
			       __LINE__);
		msg = err_end(&e);
		snprintf(want, sizeof(want),
			 "Error: \"%s\" does not hold a key (64 hex digits); make one with \"shoal key generate > FILE\".\n",
			 t.path);
		ktap_check_str(msg, want, bad[i], __FILE__, __LINE__);
		ktap_check_int(key[0], 0x5a, bad[i], __FILE__, __LINE__);
		free(msg);
		tmp_remove(&t);
	}

	/* a key, then more than a key file ever holds */
	memcpy(big, KEY_HEX, KEY_HEX_LEN);
	memset(big + KEY_HEX_LEN, ' ', sizeof(big) - KEY_HEX_LEN);
	msg = read_text(big, sizeof(big), 0600, -1, key, __LINE__);
	CHECK(strstr(msg, "does not hold a key") != NULL);
	free(msg);
}

static void file_errors(void)
{
	uint8_t key[SHOAL_KEY_LEN];
	struct errbuf e;
	char dir[] = "/tmp/shoal-key-XXXXXX";
	char want[128];
	char *msg;

	err_start(&e);
	CHECK_INT(key_read_file("/nonexistent/key", key), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: cannot open \"/nonexistent/key\": No such file or directory.\n");
	free(msg);

	if (!mkdtemp(dir))
		abort();
	err_start(&e);
	CHECK_INT(key_read_file(dir, key), -1);
	msg = err_end(&e);
	snprintf(want, sizeof(want), "Error: cannot read \"%s\": Is a directory.\n",
		 dir);
	CHECK_STR(msg, want);
	free(msg);
	rmdir(dir);
}

/* "key -" reads standard input. */
static void file_stdin(void)
{
	uint8_t key[SHOAL_KEY_LEN];
	struct tmpfile t;
	struct errbuf e;
	int saved, fd;
	char *msg;

	saved = dup(STDIN_FILENO);
	if (saved < 0)
		abort();

	/* world readable, but a redirection is no key file: no warning */
	tmp_write(&t, "\n" KEY_HEX "\n", KEY_HEX_LEN + 2, 0644);
	fd = open(t.path, O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		abort();
	close(fd);
	memset(key, 0, sizeof(key));
	err_start(&e);
	CHECK_INT(key_read_file("-", key), 0);
	msg = err_end(&e);
	CHECK_STR(msg, "");
	CHECK(is_key_0_to_31(key));
	free(msg);
	tmp_remove(&t);

	tmp_write(&t, "nope\n", 5, 0600);
	fd = open(t.path, O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		abort();
	close(fd);
	err_start(&e);
	CHECK_INT(key_read_file("-", key), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: standard input does not hold a key (64 hex digits); make one with \"shoal key generate\".\n");
	free(msg);
	tmp_remove(&t);

	if (dup2(saved, STDIN_FILENO) < 0)
		abort();
	close(saved);
}

/* "key -" in a batch from standard input: the next line of the batch. */
static void batch_stdin(void)
{
	static const char text[] = KEY_HEX "\nnode add 1\nnope\n";
	uint8_t key[SHOAL_KEY_LEN];
	struct errbuf e;
	int lineno = 4;
	char line[32];
	char *msg;
	FILE *f;

	f = fmemopen((void *)text, sizeof(text) - 1, "r");
	if (!f)
		abort();
	key_stdin_batch(f, &lineno);
	memset(key, 0, sizeof(key));
	err_start(&e);
	CHECK_INT(key_read_file("-", key), 0);
	msg = err_end(&e);
	CHECK_STR(msg, "");
	free(msg);
	CHECK(is_key_0_to_31(key));
	CHECK_INT(lineno, 5);
	/* that line only: the batch goes on after it */
	CHECK(fgets(line, sizeof(line), f) != NULL);
	CHECK_STR(line, "node add 1\n");
	lineno++;

	err_start(&e);
	CHECK_INT(key_read_file("-", key), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: line 7 of standard input does not hold a key (64 hex digits); make one with \"shoal key generate\".\n");
	free(msg);

	err_start(&e);
	CHECK_INT(key_read_file("-", key), -1);
	msg = err_end(&e);
	CHECK_STR(msg, "Error: standard input ends before the key; \"key -\" in a batch takes the next line.\n");
	free(msg);
	CHECK_INT(lineno, 7);

	key_stdin_batch(NULL, NULL);
	fclose(f);
}

static void generate(void)
{
	static const uint8_t zero[SHOAL_KEY_LEN];
	uint8_t a[SHOAL_KEY_LEN], b[SHOAL_KEY_LEN], c[SHOAL_KEY_LEN];
	char hex[KEY_HEX_LEN + 1];

	CHECK_INT(key_generate(a), 0);
	CHECK_INT(key_generate(b), 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a, zero, sizeof(a)) != 0);

	/* what is printed reads back as the same key */
	key_format(a, hex);
	CHECK_INT(strlen(hex), KEY_HEX_LEN);
	CHECK_INT(strspn(hex, "0123456789abcdef"), KEY_HEX_LEN);
	CHECK_INT(parse_str(hex, c), 0);
	CHECK(memcmp(a, c, sizeof(a)) == 0);
}

const struct ktap_case key_cases[] = {
	{ "key: hex keys", hex_valid },
	{ "key: hex errors", hex_invalid },
	{ "key: key files", file_valid },
	{ "key: a world-readable key file warns", file_world_readable },
	{ "key: files without a key", file_invalid },
	{ "key: unreadable files", file_errors },
	{ "key: standard input", file_stdin },
	{ "key: standard input in a batch", batch_stdin },
	{ "key: generated keys differ and read back", generate },
	{ NULL, NULL },
};
