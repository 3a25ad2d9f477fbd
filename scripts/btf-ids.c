// SPDX-License-Identifier: GPL-2.0
/*
 * btf-ids: write the BTF ids a module's .BTF_ids section asks for.
 *
 * BTF_ID_FLAGS() and BTF_SET8_START() leave zeroed slots in .BTF_ids,
 * each labelled by a symbol that names what belongs there:
 *
 *   __BTF_ID__set8__NAME        a set: 8 bytes (count, flags) then pairs
 *                               of (id, flags); the symbol's size gives
 *                               the count
 *   __BTF_ID__func__NAME__N     the id of function NAME (also struct,
 *                               union, typedef)
 *
 * The kernel build fills them with its resolve_btfids, which Debian does
 * not ship; this does the same for the kinds a module uses, after pahole
 * has given the module its .BTF. The kernel looks kfuncs up in sets by
 * binary search, so each set is sorted by id afterwards.
 *
 * usage: btf-ids BASE_BTF MODULE.ko
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#define PREFIX "__BTF_ID__"

struct set8 {
	size_t off;	/* in the section */
	unsigned int cnt;
};

static const char *prog = "btf-ids";

static int kind_of(const char *what, size_t len)
{
	static const struct {
		const char *name;
		int kind;
	} kinds[] = {
		{ "func", BTF_KIND_FUNC },
		{ "struct", BTF_KIND_STRUCT },
		{ "union", BTF_KIND_UNION },
		{ "typedef", BTF_KIND_TYPEDEF },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].name) == len &&
		    !memcmp(kinds[i].name, what, len))
			return kinds[i].kind;
	return -1;
}

static int cmp_pair(const void *a, const void *b)
{
	unsigned int x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x < y ? -1 : x > y;
}

/*
 * Resolve one "KIND__NAME__N" symbol into data; returns 1 if it was an
 * id, 0 for a set (recorded in *set), -1 on error.
 */
static int resolve(const struct btf *btf, const char *sym, GElf_Sym *s,
		   unsigned char *data, size_t size, struct set8 *set)
{
	const char *what = sym + strlen(PREFIX), *name, *end;
	char buf[256];
	int kind, id;
	unsigned int v;

	if (s->st_value + 4 > size) {
		fprintf(stderr, "%s: %s lies outside .BTF_ids\n", prog, sym);
		return -1;
	}
	if (!strncmp(what, "set8__", 6)) {
		if (s->st_size < 8 || s->st_size % 8 || s->st_value + s->st_size > size) {
			fprintf(stderr, "%s: %s: bad size %lu\n", prog, sym,
				(unsigned long)s->st_size);
			return -1;
		}
		set->off = s->st_value;
		set->cnt = s->st_size / 8 - 1;
		memcpy(data + set->off, &set->cnt, sizeof(set->cnt));
		return 0;
	}
	name = strstr(what, "__");
	end = name ? strrchr(name + 2, '_') : NULL;
	/* the name ends before the "__N" suffix the macro adds */
	if (!name || !end || end - 1 <= name + 2 || end[-1] != '_') {
		fprintf(stderr, "%s: cannot read symbol %s\n", prog, sym);
		return -1;
	}
	kind = kind_of(what, name - what);
	if (kind < 0) {
		fprintf(stderr, "%s: %s: unsupported kind\n", prog, sym);
		return -1;
	}
	name += 2;
	if ((size_t)(end - 1 - name) >= sizeof(buf)) {
		fprintf(stderr, "%s: %s: name too long\n", prog, sym);
		return -1;
	}
	memcpy(buf, name, end - 1 - name);
	buf[end - 1 - name] = '\0';
	id = btf__find_by_name_kind(btf, buf, kind);
	if (id <= 0) {
		fprintf(stderr, "%s: %s not found in the module's BTF\n", prog, buf);
		return -1;
	}
	v = id;
	memcpy(data + s->st_value, &v, sizeof(v));
	return 1;
}

int main(int argc, char **argv)
{
	Elf_Scn *scn = NULL, *ids_scn = NULL, *sym_scn = NULL;
	size_t shstrndx, ids_ndx = 0, i, nsyms, ids = 0, nsets = 0;
	GElf_Shdr ids_sh = {}, sym_sh = {}, sh;
	struct set8 sets[16];
	struct btf *base, *btf;
	unsigned char *data;
	Elf_Data *syms;
	int fd, ret = 1;
	Elf *elf;

	if (argc != 3) {
		fprintf(stderr, "usage: %s BASE_BTF MODULE.ko\n", prog);
		return 2;
	}
	base = btf__parse(argv[1], NULL);
	if (!base) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], strerror(errno));
		return 1;
	}
	btf = btf__parse_elf_split(argv[2], base);
	if (!btf) {
		fprintf(stderr, "%s: %s has no BTF against %s: %s\n", prog,
			argv[2], argv[1], strerror(errno));
		return 1;
	}

	elf_version(EV_CURRENT);
	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[2], strerror(errno));
		return 1;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[2], elf_errmsg(-1));
		goto out_fd;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".BTF_ids")) {
			ids_scn = scn;
			ids_sh = sh;
			ids_ndx = elf_ndxscn(scn);
		} else if (sh.sh_type == SHT_SYMTAB) {
			sym_scn = scn;
			sym_sh = sh;
		}
	}
	if (!ids_scn || !sym_scn || ids_sh.sh_type != SHT_PROGBITS) {
		fprintf(stderr, "%s: %s has no .BTF_ids section or no symbols\n",
			prog, argv[2]);
		goto out_elf;
	}

	/* edit the bytes here, write them back in place */
	data = calloc(1, ids_sh.sh_size);
	if (!data || pread(fd, data, ids_sh.sh_size, ids_sh.sh_offset) !=
	    (ssize_t)ids_sh.sh_size) {
		fprintf(stderr, "%s: cannot read .BTF_ids\n", prog);
		goto out_data;
	}
	syms = elf_getdata(sym_scn, NULL);
	nsyms = sym_sh.sh_entsize ? sym_sh.sh_size / sym_sh.sh_entsize : 0;
	for (i = 0; syms && i < nsyms; i++) {
		const char *name;
		GElf_Sym s;
		int r;

		if (!gelf_getsym(syms, i, &s) || s.st_shndx != ids_ndx)
			continue;
		name = elf_strptr(elf, sym_sh.sh_link, s.st_name);
		if (!name || strncmp(name, PREFIX, strlen(PREFIX)))
			continue;
		if (nsets == sizeof(sets) / sizeof(sets[0])) {
			fprintf(stderr, "%s: too many sets\n", prog);
			goto out_data;
		}
		r = resolve(btf, name, &s, data, ids_sh.sh_size, &sets[nsets]);
		if (r < 0)
			goto out_data;
		if (r)
			ids++;
		else
			nsets++;
	}
	if (!ids) {
		fprintf(stderr, "%s: %s names no BTF ids\n", prog, argv[2]);
		goto out_data;
	}
	for (i = 0; i < nsets; i++)
		qsort(data + sets[i].off + 8, sets[i].cnt, 8, cmp_pair);
	if (pwrite(fd, data, ids_sh.sh_size, ids_sh.sh_offset) !=
	    (ssize_t)ids_sh.sh_size) {
		fprintf(stderr, "%s: cannot write .BTF_ids\n", prog);
		goto out_data;
	}
	ret = 0;
out_data:
	free(data);
out_elf:
	elf_end(elf);
out_fd:
	close(fd);
	btf__free(btf);
	btf__free(base);
	return ret;
}
