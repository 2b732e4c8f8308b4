#!/usr/bin/env python3
"""Keeps the functions and files of src/ small: fails when a function body is longer than
80 lines or a file longer than 600 lines, unless the file says why at its top.

The rules, as this script applies them:
- A file's length is its number of lines. A file over 600 lines passes when its opening
  comment (the comment lines before the first line of code) has a line that starts with
  "size: " followed by the reason (e.g. "// size: the name tables are data").
- A function's length counts the lines from the line of its opening brace to the line of
  its closing brace. Functions are found by matching braces in the text with comments,
  string literals (raw strings included) and character literals blanked out: a brace that
  opens at namespace or class scope after a header ending in ")" (with qualifiers such as
  const, noexcept, override or a trailing return type, or a constructor's initialiser list)
  opens a function. A lambda, local class or nested block inside a function counts toward
  the enclosing function; a lambda at namespace scope ("auto f = [](…) {") is a function.
  Braces of initialisers at namespace scope ("= {…}") are data, not functions.

- Files listed in PENDING are being reworked by other work under way and are split once it
  has landed: their violations are printed as "pending" and do not fail the check. Remove a
  file from the list once it is split; the list is meant to be empty.

Usage: scripts/check-size.py [ROOT]  (ROOT defaults to the repository; scans ROOT/src).
       scripts/check-size.py --self-test  (checks the brace matching on small examples)
Prints every violation as "path:line: …" and exits 1 when there is one, else 0.
"""
import os
import re
import sys

PENDING: set[str] = set()

MAX_FUNCTION_LINES = 80
MAX_FILE_LINES = 600
SIZE_REASON = re.compile(r"^(//+|/?\*+)\s*size:\s*\S")

SCOPE_HEADER = re.compile(
    r"^(template\s*<.*>\s*)?((inline\s+)?namespace\b|extern\s*$|(class|struct|union)\b)", re.S)
DATA_HEADER = re.compile(r"^(template\s*<.*>\s*)?(enum)\b", re.S)
FUNCTION_TAIL = re.compile(
    r"\)\s*((const|volatile|noexcept(\s*\([^()]*\))?|override|final|mutable|&&|&|"
    r"->\s*[\w:<>,\s*&]+|requires\b[^{]*)\s*)*$", re.S)
CTOR_INIT = re.compile(r"\)\s*(noexcept\s*)?:(?!:)", re.S)


def blank(text):
    """The text with comments, string and character literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) \
                or (c in "uUL8" and re.match(r'(u8|u|U|L)R"', text[i:i + 4])
                    and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            q = text.find('"', i)
            p = text.find("(", q)
            delim = text[q + 1:p]
            end = text.find(")" + delim + '"', p)
            j = n if end < 0 else end + len(delim) + 2
            out.append(" " * (q + 1 - i) + re.sub(r"[^\n]", " ", text[q + 1:j - 1]) + '"')
            i = j
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum()
                                              and text[i - 1] not in "uUL8" and i + 1 < n
                                              and text[i + 1].isdigit())):
            # A string or character literal (a digit separator like 1'000 is not one).
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c if j - i >= 2 else c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_name(header):
    lam = re.search(r"([\w:]+)\s*=\s*\[", header)
    if lam:
        return lam.group(1)
    head = header.split("(")[0].split()
    return head[-1] if head else "?"


def functions(text):
    """(name, first line, line count) of every function body in the C++ `text`."""
    code = blank(text)
    # Preprocessor lines (with their continuations) are not code the braces belong to.
    code = re.sub(r"(?m)^[ \t]*#(.*\\\n)*.*$", lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)
    found = []
    # The stack holds, for each open brace: "scope" (namespace/class), "data" or "function".
    stack = []
    header_start = 0
    i, n = 0, len(code)
    line = 1
    while i < n:
        c = code[i]
        if c == "\n":
            line += 1
        elif c in ";" and (not stack or stack[-1] == "scope"):
            header_start = i + 1
        elif c == "{":
            if stack and stack[-1] != "scope":
                stack.append("inner")
            else:
                header = " ".join(code[header_start:i].split())
                header = re.sub(r"^(public|private|protected)\s*:\s*", "", header)
                if SCOPE_HEADER.match(header) and "(" not in header.split("{")[0].split(":")[0]:
                    stack.append("scope")
                elif DATA_HEADER.match(header) or header.endswith("=") or not header:
                    stack.append("data")
                elif FUNCTION_TAIL.search(header) or (CTOR_INIT.search(header)
                                                       and header.endswith("}")):
                    stack.append(("function", function_name(header), line))
                elif CTOR_INIT.search(header) and re.search(r"\w\s*$", header):
                    # A member's brace initialiser inside a constructor's initialiser list:
                    # part of the header, skipped.
                    depth, j = 0, i
                    while j < n:
                        if code[j] == "{":
                            depth += 1
                        elif code[j] == "}":
                            depth -= 1
                            if depth == 0:
                                break
                        elif code[j] == "\n":
                            line += 1
                        j += 1
                    i = j + 1
                    continue
                else:
                    stack.append("data")
            header_start = i + 1
        elif c == "}":
            top = stack.pop() if stack else "scope"
            if isinstance(top, tuple):
                found.append((top[1], top[2], line - top[2] + 1))
            if not stack or stack[-1] == "scope":
                header_start = i + 1
        i += 1
    return found


def opening_comment(text):
    lines = []
    for l in text.split("\n"):
        s = l.strip()
        if s.startswith("//") or s.startswith("/*") or s.startswith("*") or s.startswith("#!"):
            lines.append(s)
        elif s == "" and not lines:
            continue
        else:
            break
    return lines


def check(root):
    problems = []
    src = os.path.join(root, "src")
    for folder, _, files in sorted(os.walk(src)):
        for f in sorted(files):
            if not f.endswith((".cpp", ".h", ".hpp", ".cc")):
                continue
            path = os.path.join(folder, f)
            rel = os.path.relpath(path, root)
            text = open(path, encoding="utf-8", errors="replace").read()
            count = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
            if count > MAX_FILE_LINES and not any(SIZE_REASON.search(l) for l in opening_comment(text)):
                problems.append((rel, 1, f"file has {count} lines (> {MAX_FILE_LINES}) and its "
                                         "opening comment gives no 'size: ' reason"))
            for name, first, length in functions(text):
                if length > MAX_FUNCTION_LINES:
                    problems.append((rel, first, f"function {name} has {length} lines "
                                                 f"(> {MAX_FUNCTION_LINES})"))
    return problems


def self_test():
    """The heuristic on examples of what src/ holds; returns the failures."""
    body = "\n".join(f"  x += {i};" for i in range(3))
    cases = {
        "plain function": ("int f(int a) {\n" + body + "\n}\n", [("f", 1, 5)]),
        "raw string with braces": ('const char* k = R"x({{{)x";\nvoid g() {\n  h(R"(})");\n}\n',
                                   [("g", 2, 3)]),
        "lambda counts to its function": ("void r() {\n  auto l = [&] {\n    y();\n  };\n}\n",
                                          [("r", 1, 5)]),
        "namespace-scope lambda": ("auto k = [](int a) {\n  return a;\n};\n", [("k", 1, 3)]),
        "data initialiser": ("const std::set<int> kS = {\n  1, 2,\n};\n", []),
        "class members": ("namespace n {\nstruct S {\n  int m() const {\n    return 1;\n  }\n};\n}\n",
                          [("m", 3, 3)]),
        "constructor with brace initialiser": ("S::S(int a) : a_(a), b_{a} {\n  c();\n}\n",
                                               [("S::S", 1, 3)]),
        "comments and strings": ("// }\nvoid q() { /* { */\n  s(\"{\", '{');\n}\n", [("q", 2, 3)]),
        "enum": ("enum class E { kA, kB };\nvoid e() {\n}\n", [("e", 2, 2)]),
    }
    failures = []
    for name, (text, want) in cases.items():
        got = functions(text)
        if got != want:
            failures.append(f"{name}: got {got}, want {want}")
    reason = "// What lives here.\n//\n// size: the tables are data.\n#include <x>\n"
    if not any(SIZE_REASON.search(l) for l in opening_comment(reason)):
        failures.append("size reason not found in the opening comment")
    if any(SIZE_REASON.search(l) for l in opening_comment("// whatever its size: big\n")):
        failures.append("'size:' inside a sentence taken for a reason")
    return failures


def main():
    if sys.argv[1:] == ["--self-test"]:
        failures = self_test()
        for f in failures:
            print("check-size self-test:", f)
        print("check-size self-test:", "FAILED" if failures else "ok")
        return 1 if failures else 0
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    found = check(root)
    problems = [p for p in found if p[0] not in PENDING]
    for path, line, message in found:
        print(f"{path}:{line}: {message}" + (" (pending)" if path in PENDING else ""))
    if problems:
        print(f"check-size: {len(problems)} violation(s): split the function or file, or give "
              "a file's reason in its opening comment ('size: …')")
        return 1
    print("check-size: every function ≤ 80 lines, every file ≤ 600 lines or with a reason")
    return 0


if __name__ == "__main__":
    sys.exit(main())
