#!/usr/bin/env python3
"""Checks the layering of src/ against the rules in src/DEPS (Chromium DEPS style).

Every #include "folder/file.h" in src/**/*.{h,cpp} is checked against the including
folder's include_rules; includes of another folder's private headers (detail.h,
*_detail.h, *_backend.h, backends.h and the listed private_headers) are refused. The
onshi_module(NAME deps...) links of CMakeLists.txt are compared with the same rules: a
module may link only the modules its rules allow. Prints one line per violation and exits
1 when there is any, 0 otherwise.

Usage: scripts/check-layers.py [--root DIR]   (DIR defaults to the repository root)
"""
import argparse
import ast
import fnmatch
import pathlib
import re
import sys

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.M)
MODULE = re.compile(r"^\s*onshi_module\(\s*(\w+)([^)]*)\)", re.M)
PRIVATE_PATTERNS = ["detail.h", "*_detail.h", "*_backend.h", "backends.h"]


def read_rules(path):
    """The include_rules dict and the private_headers list of a DEPS file."""
    text = path.read_text(encoding="utf-8")
    rules, private = None, []
    tree = ast.parse(text, filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = getattr(node.targets[0], "id", "")
            if name == "include_rules":
                rules = ast.literal_eval(node.value)
            elif name == "private_headers":
                private = ast.literal_eval(node.value)
    if not isinstance(rules, dict):
        raise SystemExit(f"{path}: no include_rules dict")
    allowed = {}
    for folder, entries in rules.items():
        for e in entries:
            if not e.startswith("+"):
                raise SystemExit(f"{path}: rule {e!r} of {folder!r} must start with '+'")
        allowed[folder] = [e[1:] for e in entries]
    return allowed, set(private)


def is_private(header, private):
    name = header.rsplit("/", 1)[-1]
    return header in private or any(fnmatch.fnmatch(name, p) for p in PRIVATE_PATTERNS)


def allows(entries, target):
    """Whether the rule entries admit the header `target` ("folder/file.h")."""
    folder = target.split("/", 1)[0]
    return folder in entries or target in entries


def check_includes(src, allowed, private):
    problems = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp") or not path.is_file():
            continue
        rel = path.relative_to(src)
        if len(rel.parts) < 2:
            continue
        folder = rel.parts[0]
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in INCLUDE.finditer(text):
            target = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            where = f"src/{rel.as_posix()}:{line}"
            if "/" not in target:
                continue  # a header beside the file
            to = target.split("/", 1)[0]
            if to == folder:
                continue
            if folder not in allowed:
                problems.append(f"{where}: folder '{folder}' has no rule in src/DEPS")
                continue
            if is_private(target, private):
                problems.append(f"{where}: '{target}' is private to {to}/")
            elif not allows(allowed[folder], target):
                shown = ", ".join(allowed[folder]) or "nothing"
                problems.append(f"{where}: {folder} may not include '{target}' (allowed: {shown})")
    return problems


def check_links(cmake, allowed):
    problems = []
    if not cmake.is_file():
        return problems
    text = cmake.read_text(encoding="utf-8")
    for m in MODULE.finditer(text):
        name = m.group(1)
        if name == "name":
            continue  # the function's own definition
        deps = re.findall(r"\bonshi_(\w+)", m.group(2))
        if name not in allowed:
            problems.append(f"CMakeLists.txt: module '{name}' has no rule in src/DEPS")
            continue
        for d in deps:
            if d not in allowed[name]:
                problems.append(f"CMakeLists.txt: {name} links onshi_{d}, which src/DEPS does not allow")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=pathlib.Path(__file__).resolve().parent.parent, type=pathlib.Path)
    args = parser.parse_args()
    src = args.root / "src"
    allowed, private = read_rules(src / "DEPS")
    problems = check_includes(src, allowed, private) + check_links(args.root / "CMakeLists.txt", allowed)
    for p in problems:
        print(p)
    if problems:
        print(f"check-layers: {len(problems)} violation(s) of src/DEPS", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
