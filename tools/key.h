/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOAL_KEY_H
#define SHOAL_KEY_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <linux/shoal.h>

/* A key as text: two lowercase hex digits a byte. */
#define KEY_HEX_LEN	(2 * SHOAL_KEY_LEN)

/*
 * Parse @len bytes of @text holding exactly KEY_HEX_LEN hex digits, with
 * blanks and newlines allowed around them, into @key. Prints nothing.
 * Returns 0 or -1.
 */
int key_parse(const char *text, size_t len, uint8_t *key);

/* The key as KEY_HEX_LEN digits and a NUL in @buf; returns @buf. */
const char *key_format(const uint8_t *key, char *buf);

/*
 * Read the key in file @name ("-": standard input, or the batch's next
 * line, see key_stdin_batch()) into @key, warning when others may read
 * the file:
 *   Error: "FILE" does not hold a key (64 hex digits); make one with ...
 *   Warning: "FILE" is world accessible.
 * Returns 0 or -1 (printed).
 */
int key_read_file(const char *name, uint8_t *key);

/*
 * Have "-" mean the next line of @f, a batch read from standard input
 * that stdio has read ahead of, counting that line in *@lineno; a key
 * from standard input then sits on the line after its command. NULL puts
 * standard input itself back.
 */
void key_stdin_batch(FILE *f, int *lineno);

/* Fill @key from the kernel's random pool. Returns 0 or -1 (printed). */
int key_generate(uint8_t *key);

#endif
