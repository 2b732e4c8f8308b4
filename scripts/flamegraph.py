#!/usr/bin/env python3
"""Flame graphs from `perf script`: folds the call stacks of a perf recording and draws them.

Debian ships no flame graph tool, so this is a small one of our own. It reads the text of
`perf script` (samples recorded with `perf record -g` or `--call-graph dwarf`), folds each
sample's stack into one line "root;caller;…;leaf" and counts equal lines. It then writes

  --folded FILE   the folded stacks, "stack count" a line, most frequent first;
  --svg FILE      an SVG flame graph: the root at the bottom, each frame as wide as its share of
                  the samples, callers below callees; hovering a frame shows its name, samples
                  and share;
  --top N         (on stdout) the N functions with the most samples anywhere on the stack
                  (inclusive share) and as the leaf (self share).

Usage:
  perf record -g -p PID -o perf.data -- sleep 10
  perf script -i perf.data | scripts/flamegraph.py --svg out.svg --folded out.txt --top 30

Options: --thread-prefix P keeps only samples of threads whose name starts with P (e.g. the
server's I/O threads); --min-width F leaves out frames narrower than F of the whole (0.002);
--title T.
"""
import argparse
import collections
import html
import re
import sys

# "onshi 1234/1240 12345.678: 1234 cycles:" — the command (thread name) may contain spaces.
HEADER = re.compile(r"^(?P<comm>\S.*?)\s+(?P<pid>\d+)(?:/(?P<tid>\d+))?\s+(?:\[\d+\]\s+)?[\d.]+:")
FRAME = re.compile(r"^\s+[0-9a-f]+\s+(?P<sym>.+?)\s+\((?P<dso>[^)]*)\)\s*$")


def clean_symbol(sym, dso):
    """A frame's name: the symbol without its offset and argument list, else the library."""
    if sym == "[unknown]":
        name = dso.rsplit("/", 1)[-1] or "[unknown]"
        return "[" + name + "]" if not name.startswith("[") else name
    sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
    # Drop argument lists and template arguments so that one function is one frame.
    out, depth = [], 0
    for ch in sym:
        if ch in "(<":
            depth += 1
        elif ch in ")>" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    name = "".join(out).strip()
    return name.replace(";", ":") or sym


def read_samples(stream, thread_prefix):
    """Yields (thread name, [frames from leaf to root]) for every sample."""
    comm, frames = None, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if comm is not None and frames:
                yield comm, frames
            comm, frames = None, []
            continue
        if comm is None:
            m = HEADER.match(line)
            if m:
                comm = m.group("comm")
            continue
        m = FRAME.match(line)
        if m:
            frames.append(clean_symbol(m.group("sym"), m.group("dso")))
    if comm is not None and frames:
        yield comm, frames


def fold(samples, thread_prefix):
    counts = collections.Counter()
    for comm, frames in samples:
        if thread_prefix and not comm.startswith(thread_prefix):
            continue
        counts[";".join(reversed(frames))] += 1
    return counts


def build_tree(counts):
    root = {"name": "all", "value": 0, "children": {}}
    for stack, n in counts.items():
        root["value"] += n
        node = root
        for frame in stack.split(";"):
            child = node["children"].setdefault(frame, {"name": frame, "value": 0, "children": {}})
            child["value"] += n
            node = child
    return root


def color(name):
    h = 0
    for ch in name:
        h = (h * 31 + ord(ch)) & 0xFFFFFF
    r = 205 + h % 50
    g = 80 + (h >> 8) % 120
    b = 40 + (h >> 16) % 50
    return f"rgb({r},{g},{b})"


def write_svg(root, path, title, min_width):
    width, row, font = 1200.0, 16, 11
    total = max(root["value"], 1)
    rects = []

    def depth_of(node):
        return 1 + max((depth_of(c) for c in node["children"].values()), default=0)

    depth = depth_of(root)
    height = (depth + 2) * row + 30

    def walk(node, x, level):
        w = node["value"] / total * width
        if node["value"] / total < min_width:
            return
        y = height - (level + 1) * row - 10
        share = 100.0 * node["value"] / total
        label = html.escape(node["name"])
        tip = f"{label} ({node['value']} samples, {share:.2f}%)"
        text = ""
        chars = int(w / (font * 0.6))
        if chars >= 3:
            shown = node["name"] if len(node["name"]) <= chars else node["name"][: chars - 2] + ".."
            text = f'<text x="{x + 3:.1f}" y="{y + row - 4}">{html.escape(shown)}</text>'
        rects.append(
            f'<g><title>{tip}</title><rect x="{x:.1f}" y="{y}" width="{max(w - 0.5, 0.1):.1f}" '
            f'height="{row - 1}" fill="{color(node["name"])}"/>{text}</g>'
        )
        cx = x
        for child in sorted(node["children"].values(), key=lambda c: c["name"]):
            walk(child, cx, level + 1)
            cx += child["value"] / total * width

    walk(root, 0.0, 0)
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{int(width)}" height="{height}" '
            f'font-family="monospace" font-size="{font}">\n'
            f'<rect width="100%" height="100%" fill="#fdfdf8"/>\n'
            f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">'
            f"{html.escape(title)} ({total} samples)</text>\n"
        )
        f.write("\n".join(rects))
        f.write("\n</svg>\n")


def top_functions(counts, n):
    inclusive, self_ = collections.Counter(), collections.Counter()
    total = sum(counts.values()) or 1
    for stack, c in counts.items():
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += c
        self_[frames[-1]] += c
    print(f"{'inclusive':>9} {'self':>6}  function   ({total} samples)")
    for name, c in inclusive.most_common(n):
        print(f"{100.0 * c / total:8.1f}% {100.0 * self_[name] / total:5.1f}%  {name}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?", help="perf script output (default: stdin)")
    ap.add_argument("--svg")
    ap.add_argument("--folded")
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--thread-prefix", default="")
    ap.add_argument("--min-width", type=float, default=0.002)
    ap.add_argument("--title", default="flame graph")
    args = ap.parse_args()
    stream = open(args.input, encoding="utf-8", errors="replace") if args.input else sys.stdin
    counts = fold(read_samples(stream, args.thread_prefix), args.thread_prefix)
    if not counts:
        sys.exit("no samples with call stacks in the input (record with perf record -g)")
    if args.folded:
        with open(args.folded, "w", encoding="utf-8") as f:
            for stack, c in counts.most_common():
                f.write(f"{stack} {c}\n")
    if args.svg:
        write_svg(build_tree(counts), args.svg, args.title, args.min_width)
    if args.top:
        top_functions(counts, args.top)


if __name__ == "__main__":
    main()
