#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Numbered, checksummed 4 KiB blocks on a block device, for crash tests.

  blocks.py write DEV ACKS FIRST COUNT TAG
      writes blocks FIRST.. FIRST+COUNT-1 in order with O_DIRECT|O_DSYNC,
      and after each write returns, appends its number to ACKS (flushed):
      the acknowledged writes. Stops at the first error, which it appends
      as "error ..." (the persona's map failing is the expected one).
  blocks.py verify DEV ACKS
      every acknowledged block in ACKS reads back intact; prints how many.
  blocks.py digest DEV FIRST COUNT
      a SHA-256 of blocks FIRST.. FIRST+COUNT-1 as they are on DEV.
  blocks.py fill FILE COUNT TAG
      writes COUNT blocks to FILE through the page cache, and neither syncs
      nor closes with a flush: data left dirty in memory.
  blocks.py scan DEV TAG
      how many 4 KiB blocks of DEV, at any offset a multiple of 4 KiB, are
      blocks of TAG (intact or not: the magic and tag are enough).

A block: "shoal-blk" magic, its number, TAG, random filler, and a SHA-256
of all that in its last 32 bytes. Exit status 1 on a failed check.
"""
import hashlib
import mmap
import os
import struct
import sys

BS = 4096
MAGIC = b"shoal-blk\0"


def make(num, tag):
    body = MAGIC + struct.pack("<QQ", num, tag) + os.urandom(BS - 32 - len(MAGIC) - 16)
    return body + hashlib.sha256(body).digest()


def check(buf, num):
    body, digest = buf[:BS - 32], buf[BS - 32:]
    if hashlib.sha256(body).digest() != digest:
        return "bad checksum"
    if body[:len(MAGIC)] != MAGIC:
        return "bad magic"
    got = struct.unpack_from("<Q", body, len(MAGIC))[0]
    return None if got == num else "holds block %d" % got


def read_block(fd, buf, num):
    # O_DIRECT wants an aligned buffer: mmap's is page-aligned.
    if os.preadv(fd, [buf], num * BS) != BS:
        raise OSError("short read of block %d" % num)
    return bytes(buf)


def write(dev, acks, first, count, tag):
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT | os.O_DSYNC)
    buf = mmap.mmap(-1, BS)
    with open(acks, "a") as log:
        for num in range(first, first + count):
            buf[:] = make(num, tag)
            try:
                if os.pwritev(fd, [buf], num * BS) != BS:
                    raise OSError("short write")
            except OSError as e:
                log.write("error %d %s\n" % (num, e))
                log.flush()
                return 0
            log.write("%d\n" % num)
            log.flush()
    return 0


def verify(dev, acks):
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, BS)
    nums = [int(l) for l in open(acks) if l.strip().isdigit()]
    bad = 0
    for num in nums:
        why = check(read_block(fd, buf, num), num)
        if why:
            bad += 1
            if bad <= 10:
                print("block %d: %s" % (num, why))
    print("%d acknowledged, %d bad" % (len(nums), bad))
    return 1 if bad or not nums else 0


def digest(dev, first, count):
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, BS)
    h = hashlib.sha256()
    for num in range(first, first + count):
        h.update(read_block(fd, buf, num))
    print(h.hexdigest())
    return 0


def fill(path, count, tag):
    with open(path, "wb") as f:
        for num in range(count):
            f.write(make(num, tag))
    return 0


def scan(dev, tag):
    want = MAGIC + struct.pack("<Q", tag)
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    size = os.lseek(fd, 0, os.SEEK_END)
    buf = mmap.mmap(-1, BS * 256)
    found = 0
    for off in range(0, size, len(buf)):
        n = os.preadv(fd, [buf], off)
        for i in range(0, n - BS + 1, BS):
            if buf[i:i + len(MAGIC)] == MAGIC and \
               buf[i + len(MAGIC) + 8:i + len(MAGIC) + 16] == want[len(MAGIC):]:
                found += 1
    print(found)
    return 0


def main(argv):
    if len(argv) == 7 and argv[1] == "write":
        return write(argv[2], argv[3], int(argv[4]), int(argv[5]), int(argv[6]))
    if len(argv) == 4 and argv[1] == "verify":
        return verify(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == "digest":
        return digest(argv[2], int(argv[3]), int(argv[4]))
    if len(argv) == 5 and argv[1] == "fill":
        return fill(argv[2], int(argv[3]), int(argv[4]))
    if len(argv) == 4 and argv[1] == "scan":
        return scan(argv[2], int(argv[3]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
