#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The man page and the README name what the tool takes. For every command
# of every object that "shoal OBJECT help" lists: the man page has an entry
# for it, ".B shoal ... OBJECT COMMAND ...", that names each keyword of its
# usage, and so does the README's list of commands; a keyword the usage
# defines in its "where" part ({ a | b }) is in both. (That the usage
# matches the parser is for the suites that run the commands.)
#
# usage: selftests/unit/docs.py [SHOAL]   (default: tools/shoal)

import os
import re
import subprocess
import sys

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHOAL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "tools", "shoal")
WORD = re.compile(r"^[a-z][a-z0-9-]*$")

results = []


def check(desc, ok, why=""):
    results.append((desc, ok, why))


def usage(obj):
    """(entries, where text) of "shoal OBJ help": one string per command."""
    out = subprocess.run([SHOAL, obj, "help"], capture_output=True, text=True)
    text = out.stdout + out.stderr
    head, _, where = text.partition("\nwhere ")
    return entries(head.replace("Usage:", "      ")), where


def entries(text):
    """The commands of a usage text: a line with "shoal" starts one, lines
    that start with blanks and no "shoal" go on with it."""
    out = []
    for line in text.splitlines():
        if re.match(r"^\s*shoal\b", line):
            out.append(line.strip())
        elif out and line[:1].isspace() and line.strip():
            out[-1] += " " + line.strip()
    return out


def command(entry, obj):
    """(COMMAND or "", the keywords after it) of one entry for OBJ."""
    toks = entry.split()
    if obj not in toks:
        return None, []
    i = toks.index(obj)
    cmd = toks[i + 1] if i + 1 < len(toks) and WORD.match(toks[i + 1]) else ""
    rest = toks[i + 2:] if cmd else toks[i + 1:]
    return cmd, sorted({t for t in rest if WORD.match(t)})


def braced(text):
    """The keywords in { ... } groups of a where part or a definition."""
    words = set()
    for group in re.findall(r"\{([^}]*)\}", text):
        words.update(t for t in group.split() if WORD.match(t))
    return words


def man_lines():
    """The man page's lines, font changes and escapes taken out."""
    with open(os.path.join(TOP, "tools", "shoal.8")) as f:
        src = f.read()
    src = re.sub(r"\\f[BIRP]", " ", src).replace("\\-", "-").replace("\\ ", " ")
    return src.splitlines()


def readme_block():
    """The README's list of commands: the code block under "## The tool"."""
    with open(os.path.join(TOP, "README.md")) as f:
        text = f.read()
    part = text.split("\n## The tool\n", 1)[1]
    return part.split("```", 2)[1]


def main():
    out = subprocess.run([SHOAL, "help"], capture_output=True, text=True)
    m = re.search(r"OBJECT := \{([^}]*)\}", out.stdout + out.stderr)
    objects = [t for t in m.group(1).split() if WORD.match(t)] if m else []
    check("shoal help lists the objects", len(objects) >= 5, "got %r" % objects)

    man = man_lines()
    man_words = set(" ".join(man).split())
    readme = readme_block()
    readme_entries = entries(readme)
    readme_words = set(readme.split())

    for obj in objects:
        tool_entries, where = usage(obj)
        for entry in tool_entries:
            cmd, words = command(entry, obj)
            if cmd == "help" or cmd is None:
                continue
            name = ("%s %s" % (obj, cmd)).strip()
            heads = [command(" ".join(l.split()[1:]), obj) for l in man
                     if l.startswith(".B shoal ")]
            heads = [w for c, w in heads if c == cmd]
            missing = min((sorted(set(words) - set(w)) for w in heads), key=len,
                          default=None)
            check("man page: an entry for \"shoal %s\" with each of its keywords" % name,
                  missing == [], "no entry" if missing is None else "lacks %s" % missing)
            ours = [command(e, obj) for e in readme_entries]
            ours = [w for c, w in ours if c == cmd]
            missing = min((sorted(set(words) - set(w)) for w in ours), key=len,
                          default=None)
            check("README: \"shoal %s\" with each of its keywords" % name,
                  missing == [], "not listed" if missing is None else "lacks %s" % missing)
        values = braced(where)
        if values:
            lack = sorted(values - man_words)
            check("man page: the values shoal %s help defines" % obj, not lack,
                  "lacks %s" % lack)
            lack = sorted(values - braced(readme) - readme_words)
            check("README: the values shoal %s help defines" % obj, not lack,
                  "lacks %s" % lack)

    print("KTAP version 1")
    print("1..%d" % len(results))
    for n, (desc, ok, why) in enumerate(results, 1):
        print("%s %d %s" % ("ok" if ok else "not ok", n, desc))
        if not ok and why:
            print("# %s" % why)
    failed = sum(1 for r in results if not r[1])
    print("# %d passed, %d failed, 0 skipped" % (len(results) - failed, failed))
    print("%d passed, %d failed, 0 skipped" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
