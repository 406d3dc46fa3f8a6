#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks that vigil's modules import each other one way, top to bottom.

Layers, top to bottom (a folder may include its own folder and any folder
below it, never one above):

    cli          the command line: subcommands, options, config file
    console      the web console: a page, its events and decisions, asked
                 of the daemon through the control socket
    collector    the daemon's loop: records in, rules, policy, sinks out
    metrics      counters the collector adds to, rendered for Prometheus
                 on a thread of their own
    policy       what is done to a sandbox: alerts, acts, operators
    approval     pending requests for a human, their decisions and grants
    control      the control socket; policy answers its requests
    enforce      the kernel's enforcement maps, protected files
    baseline     learnt baselines: their files, learning, novelty scores
    rules        rule files, conditions, the engine
    sinks/kafka  the Kafka sink, its spool and configuration
    sinks        records rendered as JSON, the sink interface, JSON Lines
    evidence     a frozen sandbox's processes, files and sockets, from /proc
    intake       the kernel's records: loader, decoding, processes, sandboxes
    lib          helpers that know nothing of vigil's records' meaning
    bpf          the BPF programs and records.h, the layouts both sides share

control sits below policy, not beside cli: it knows only its protocol and
lib, and policy/operator.c implements the requests it serves. The Kafka
sink sits above sinks/, whose sink interface and renderer it uses.

A module is a .c file and the .h of the same name beside it, with
NAME_int.h (NAME's inside, shared by the .c files that implement it);
another header without a .c of its own is a module by itself. Modules are
named by their path below userspace/, or bpf/NAME. Each `#include "x.h"`
makes an edge to x.h's module, and one to every module that defines a
function or variable the including file uses from the headers reached
through that include: a header that declares the functions of several .c
files (ruleset.h, rules_load.h) does not hide who calls whom. A generated
NAME.skel.h stands for bpf/NAME.bpf.c.

Fails (exit 1) when the module graph has a cycle, listing every include
on one, or when a module includes a module of a folder above its own;
each as FILE:LINE. Prints a one-line summary and exits 0 otherwise.

Usage: scripts/check-layers.py [ROOT]   (ROOT: the repository; default,
the one this script is in)
"""
import os
import re
import sys

LAYERS = ["cli", "console", "collector", "metrics", "policy", "approval",
          "control", "enforce", "baseline", "rules",
          "sinks/kafka", "sinks", "evidence", "intake", "lib", "bpf"]
RANK = {name: i for i, name in enumerate(LAYERS)}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "defined",
            "__attribute__", "typeof", "__typeof__", "SEC", "_Static_assert"}


def folder_of(module):
    """The layer a module is in: its folder (bpf, or one below
    userspace/)."""
    return module.rsplit("/", 1)[0]


def module_of(path):
    """userspace/rules/field.c -> rules/field; NAME_int.h -> NAME."""
    name = re.sub(r"(_int)?\.(c|h)$", "", path)
    return re.sub(r"^userspace/", "", name)


def strip(text):
    """text without comments, string and character literals and
    preprocessor lines, line breaks kept so offsets map to lines."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + c)
            i = j + 1
        elif c == "#" and (i == 0 or text[i - 1] == "\n"):
            j = i
            while True:     # a directive runs on over escaped line ends
                k = text.find("\n", j)
                if k < 0 or text[k - 1] != "\\":
                    break
                j = k + 1
            k = n if k < 0 else k
            out.append(re.sub(r"[^\n]", " ", text[i:k]))
            i = k
        else:
            out.append(c)
            i += 1
    return "".join(out)


def top_level(code):
    """The statements and definition heads at brace depth 0, as
    (text, ends_with) pairs: ends_with is ';' or '{'."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                parts.append((code[start:i], "{"))
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
        elif c == ";" and depth == 0:
            parts.append((code[start:i], ";"))
            start = i + 1
    return parts


def declared_name(stmt):
    """The function or variable a top-level statement declares or
    defines, or None (types, typedefs, function pointers)."""
    s = " ".join(stmt.split())
    if not s or re.match(r"(typedef|struct|union|enum)\b[^(=]*$", s):
        return None
    if s.startswith("typedef"):
        return None
    m = re.search(r"([A-Za-z_]\w*)\s*\(", s)
    if m and m.group(1) not in KEYWORDS and "(*" not in s[:m.end()]:
        return m.group(1)
    m = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*(=|$)", s)
    if m and not re.match(r"(struct|union|enum)\s+\w+$", s):
        return m.group(1)
    return None


class Source:
    def __init__(self, root, path):
        self.path = path
        with open(os.path.join(root, path), encoding="utf-8",
                  errors="replace") as f:
            self.text = f.read()
        self.code = strip(self.text)
        self.idents = set(IDENT.findall(self.code))
        self.includes = [(m.group(1), self.text.count("\n", 0, m.start()) + 1)
                         for m in INCLUDE.finditer(self.text)]
        self.declares, self.defines = set(), set()
        for stmt, end in top_level(self.code):
            name = declared_name(stmt)
            # A static function is its file's own, unless a header
            # defines it for its includers.
            if not name or re.match(r"\s*static\b", stmt) and \
                    not path.endswith(".h"):
                continue
            if end == "{" and "(" in stmt:
                self.defines.add(name)
            elif end == ";" and not re.search(r"\bextern\b", stmt) and \
                    "(" not in stmt and path.endswith(".c"):
                self.defines.add(name)      # a global variable
            elif end == ";":
                self.declares.add(name)

    @property
    def module(self):
        return module_of(self.path)


def find_sources(root):
    out = []
    for top in ("userspace", "bpf"):
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return [Source(root, p) for p in out]


class Graph:
    def __init__(self, sources):
        self.by_path = {s.path: s for s in sources}
        self.by_name = {}
        for s in sources:
            self.by_name.setdefault(os.path.basename(s.path), []).append(s)
        self.owner = {}             # function or variable -> module
        for s in sources:
            for name in s.defines:
                self.owner.setdefault(name, s.module)
        self.modules = {s.module for s in sources}
        self.edges = {}             # (from, to) -> [(file:line, why)]
        self.problems = []

    def resolve(self, src, name):
        """The header an #include names: beside the includer first, then
        by name anywhere in the tree (the Makefile puts every folder on
        the include path); a generated skeleton stands for its program."""
        here = os.path.normpath(os.path.join(os.path.dirname(src.path), name))
        if here in self.by_path:
            return self.by_path[here], None
        m = re.match(r"(\w+)\.skel\.h$", name)
        if m:
            prog = self.by_path.get("bpf/%s.bpf.c" % m.group(1))
            return prog, None
        found = self.by_name.get(os.path.basename(name), [])
        if len(found) > 1:
            return None, "ambiguous: %s" % ", ".join(f.path for f in found)
        return (found[0] if found else None), None

    def reached(self, header, seen):
        """header and every header it includes, transitively."""
        if header.path in seen:
            return
        seen.add(header.path)
        for name, _ in header.includes:
            h, _ = self.resolve(header, name)
            if h and h.path.endswith(".h"):
                self.reached(h, seen)

    def add(self, a, b, where, header, name=None):
        """Edge a -> b from the include of header at where; name: a
        function or variable of b's that the includer uses."""
        if a == b:
            return
        cite = self.edges.setdefault((a, b), {}).setdefault(
            where, (header, set()))
        if name:
            cite[1].add(name)

    def cites(self, a, b):
        """Each include behind edge a -> b: (FILE:LINE, '"x.h" (uses)')."""
        out = []
        for where, (header, names) in sorted(self.edges[(a, b)].items()):
            uses = " (%s)" % ", ".join(sorted(names)) if names else ""
            out.append((where, '"%s"%s' % (header, uses)))
        return out

    def build(self):
        for src in self.by_path.values():
            for name, line in src.includes:
                where = "%s:%d" % (src.path, line)
                h, err = self.resolve(src, name)
                if err:
                    self.problems.append("%s: #include \"%s\" is %s"
                                         % (where, name, err))
                if not h:
                    continue
                self.add(src.module, h.module, where, name)
                seen = set()
                self.reached(h, seen)
                for path in sorted(seen):
                    for fn in self.by_path[path].declares & src.idents:
                        if fn in self.owner:
                            self.add(src.module, self.owner[fn], where,
                                     name, fn)

    def upward(self):
        out = []
        for a, b in sorted(self.edges):
            fa, fb = folder_of(a), folder_of(b)
            for where, why in self.cites(a, b):
                if fa not in RANK or fb not in RANK:
                    out.append("%s: folder %s is in no layer"
                               % (where, fa if fa not in RANK else fb))
                elif RANK[fb] < RANK[fa]:
                    out.append("%s: upward: %s -> %s, a folder above %s, "
                               "via %s" % (where, a, b, fa, why))
        return out

    def cycles(self):
        """Strongly connected components of more than one module
        (Tarjan's algorithm, iterative)."""
        succ = {}
        for a, b in self.edges:
            succ.setdefault(a, []).append(b)
        index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]
        for start in sorted(self.modules):
            if start in index:
                continue
            work = [(start, iter(sorted(succ.get(start, []))))]
            index[start] = low[start] = n[0]
            n[0] += 1
            stack.append(start)
            on.add(start)
            while work:
                v, it = work[-1]
                for w in it:
                    if w not in index:
                        index[w] = low[w] = n[0]
                        n[0] += 1
                        stack.append(w)
                        on.add(w)
                        work.append((w, iter(sorted(succ.get(w, [])))))
                        break
                    if w in on:
                        low[v] = min(low[v], index[w])
                else:
                    work.pop()
                    if work:
                        low[work[-1][0]] = min(low[work[-1][0]], low[v])
                    if low[v] == index[v]:
                        comp = []
                        while True:
                            w = stack.pop()
                            on.discard(w)
                            comp.append(w)
                            if w == v:
                                break
                        if len(comp) > 1:
                            comps.append(sorted(comp))
        out = []
        for comp in sorted(comps):
            out.append("cycle: %s" % " <-> ".join(comp))
            for a, b in sorted(self.edges):
                if a in comp and b in comp:
                    for where, why in self.cites(a, b):
                        out.append("%s: cycle: %s -> %s via %s"
                                   % (where, a, b, why))
        return out


def main(argv):
    root = argv[1] if len(argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    g = Graph(find_sources(root))
    g.build()
    found = g.problems + g.cycles() + g.upward()
    for line in found:
        print(line)
    sys.stdout.flush()
    if found:
        print("check-layers: %d problem lines; layers, top to bottom: %s"
              % (len(found), " -> ".join(LAYERS)), file=sys.stderr)
        return 1
    print("check-layers: %d modules, %d edges, no cycle, nothing upward"
          % (len(g.modules), len(g.edges)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
