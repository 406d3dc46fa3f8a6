#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Writes the seed corpus of the fuzzers: valid raw records laid out as
bpf/records.h says (tests/fuzz/corpus/record/) and config files
(tests/fuzz/corpus/config/). Crash reproducers kept as regressions
(crash-*, leak-*, ...) are left alone.

Usage: tests/fuzz/mkcorpus.py   (from anywhere)"""
import os
import socket
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

EXEC, FORK, EXIT, OPEN, CONNECT, ESCAPE = 1, 2, 3, 4, 5, 8
CGROUP_MKDIR, CGROUP_RMDIR = 64, 65
F_ARGV_TRUNC, F_PATH_TRUNC, F_DELETED, F_KILLED = 1, 2, 4, 16
ESCAPE_MOVE = 3
SYS_OPENAT, SYS_EXECVE = 2, 5
HDR = struct.Struct('<HHIQQQIIIIII16s')          # struct vigil_hdr, 72
EXEC_FIXED = struct.Struct('<iIQHHHHII')         # + 32 = 104
OPEN_FIXED = struct.Struct('<iIIIQHHHH')         # + 32 = 104
PAIR = struct.Struct('<II')                      # fork, exit: + 8 = 80
ESCAPE_FIXED = struct.Struct('<QQIHBx')          # + 24 = 96
CONNECT_FIXED = struct.Struct('<iHHHHHH16s108s4x')  # + 144 = 216
CGROUP_FIXED = struct.Struct('<IHH256s')         # + 264 = 336
assert HDR.size == 72 and EXEC_FIXED.size == 32 and OPEN_FIXED.size == 32
assert CONNECT_FIXED.size == 144 and ESCAPE_FIXED.size == 24


def hdr(rtype, size, flags=0, pid=3):
    return HDR.pack(rtype, size, flags, 5_123_456_789, 9001, 8812, pid,
                    pid, 2, 1000, 1000, 0, b'python3')


def exec_rec(file, arg, argv, argc, ret=0, flags=0):
    size = 72 + 32 + len(file) + len(arg) + len(argv)
    return (hdr(EXEC, size, flags) +
            EXEC_FIXED.pack(ret, 2049, 1234567, SYS_EXECVE, len(file),
                            len(arg), len(argv), argc, 0) +
            file + arg + argv)


def open_rec(path, arg, oflags, ret=3, flags=0):
    size = 72 + 32 + len(path) + len(arg)
    return (hdr(OPEN, size, flags) +
            OPEN_FIXED.pack(ret, oflags, 0o644, 2049, 42, SYS_OPENAT,
                            len(path), len(arg), 0) + path + arg)


def connect_rec(family, port, addr=b'', path=b'', proto=6, stype=1, ret=0):
    return (hdr(CONNECT, 216) +
            CONNECT_FIXED.pack(ret, proto, stype, family, port, len(path),
                               0, addr, path))


def escape_rec(how, cgroup_id, into, moved, moved_killed):
    return (hdr(ESCAPE, 96, F_KILLED) +
            ESCAPE_FIXED.pack(cgroup_id, into, moved, how, moved_killed))


def pair_rec(rtype, value, pid=3):
    return hdr(rtype, 80, pid=pid) + PAIR.pack(value, 0)


def cgroup_rec(rtype, name, root=0):
    return hdr(rtype, 336) + CGROUP_FIXED.pack(root, len(name), 0, name)


RECORDS = {
    'exec-ok': exec_rec(b'/usr/bin/python3', b'python3',
                        b'python3\0-c\0print(1)\0', 3),
    'exec-failed': exec_rec(b'', b'./missing', b'missing\0', 1, ret=-2),
    'exec-argv-truncated': exec_rec(b'/bin/sh', b'sh', b'sh\0-c\0echo aaa',
                                    3, flags=F_ARGV_TRUNC | F_DELETED),
    'open-ok': open_rec(b'/home/u/.ssh/id_rsa', b'innocent.txt', 0o2100000),
    'open-failed': open_rec(b'', b'../.aws/credentials', 0o1101, ret=-13),
    'open-bad-utf8': open_rec(b'/tmp/\xff\xfe\xc0\xaf\n', b'\x80x', 0),
    'connect-inet': connect_rec(socket.AF_INET, 443,
                                socket.inet_pton(socket.AF_INET,
                                                 '93.184.216.34')),
    'connect-inet6': connect_rec(socket.AF_INET6, 53,
                                 socket.inet_pton(socket.AF_INET6,
                                                  '2001:db8::1'),
                                 proto=17, stype=2),
    'connect-v4mapped': connect_rec(socket.AF_INET6, 80,
                                    socket.inet_pton(socket.AF_INET6,
                                                     '::ffff:1.2.3.4')),
    'connect-unix': connect_rec(socket.AF_UNIX, 0,
                                path=b'/run/docker.sock\0', proto=0),
    'connect-abstract': connect_rec(socket.AF_UNIX, 0, path=b'\0name',
                                    proto=0, stype=2),
    'fork': pair_rec(FORK, 4),
    'exit-code': pair_rec(EXIT, 3 << 8, pid=4),
    'exit-signal': pair_rec(EXIT, 0x80 | 11, pid=4),
    'cgroup-mkdir': cgroup_rec(CGROUP_MKDIR, b'sb-42'),
    'cgroup-rmdir': cgroup_rec(CGROUP_RMDIR, b'sb-42', root=7),
    'cgroup-dotdot': cgroup_rec(CGROUP_MKDIR, b'..'),
    'escape-move': escape_rec(ESCAPE_MOVE, 1, 0, 3, 1),
}

CONFIGS = {
    'readme.yaml': b'sandbox_roots: [/sys/fs/cgroup/unified/agents]\n'
                   b'output: /var/log/vigil/events.jsonl\n'
                   b'flow_interval_ms: 1000   # period of flow and drop '
                   b'records\n'
                   b'ringbuf_mb: 16           # kernel ring buffer, a power '
                   b'of two\n',
    'block.yaml': b'---\nsandbox_roots:\n  - /a\n  - "/b c"\n'
                  b"output: '-'\nflow_interval_ms: 10\nringbuf_mb: 1024\n",
    'empty.yaml': b'',
    'errors.yaml': b'bogus: 1\nflow_interval_ms: fast\nringbuf_mb: 12\n'
                   b'sandbox_roots: /x\noutput: {a: 1}\n',
    'unclosed.yaml': b'sandbox_roots: [/a, /b\noutput: x\n',
    'anchors.yaml': b'sandbox_roots: &r [/a, /b]\noutput: !!str *r\n'
                    b'? [complex, key]\n: 1\nringbuf_mb: !!int "8"\n',
}


def write(subdir, name, data):
    path = os.path.join(HERE, 'corpus', subdir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def main():
    for name, data in RECORDS.items():
        assert len(data) == struct.unpack_from('<H', data, 2)[0], name
        write('record', name + '.bin', data)
    for name, data in CONFIGS.items():
        write('config', name, data)


if __name__ == '__main__':
    main()
