#!/usr/bin/env python3
"""The shape the code keeps: no Swift file in Sources/ over 400 lines (the JSON scanner, one
hand-tuned state machine, excepted) and no function, initialiser or closure-bodied accessor
over 80 lines. Prints each offender and exits 1 if there is one."""
import os
import pathlib
import re
import sys

MAX_FILE, MAX_FUNCTION = 400, 80
EXEMPT = {"Sources/HubtopCore/JSON/JSONScanner.swift"}
DECLARATION = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|"
                         r"static|mutating|nonisolated|override|final|@inlinable|@usableFromInline)\s+)*"
                         r"(func\s+[^\s(<]+|init[?!]?\s*[(<]|deinit\b)")


def code(line):
    """The line without string literals and comments, near enough to count braces."""
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    return line.split("//", 1)[0]


def functions(lines):
    """(name, first line, length) of each declaration with a body."""
    index = 0
    while index < len(lines):
        match = DECLARATION.match(lines[index])
        if not match:
            index += 1
            continue
        depth, started, end = 0, False, index
        in_block_string = False
        for end in range(index, len(lines)):
            text = lines[end]
            if text.count('"""') % 2 == 1:
                in_block_string = not in_block_string
                continue
            if in_block_string:
                continue
            stripped = code(text)
            # A declaration with no body (`@_silgen_name`, a protocol requirement) ends before one.
            if not started and end > index and (
                    not stripped.strip() or re.match(r"\s*(@|enum|struct|class|extension|func|let|var)\b", stripped)):
                break
            depth += stripped.count("{") - stripped.count("}")
            started = started or "{" in stripped
            if started and depth <= 0:
                break
        if started and depth <= 0:
            yield match.group(1).strip(), index + 1, end - index + 1
        index += 1


def main():
    os.chdir(pathlib.Path(__file__).resolve().parent.parent)
    problems = []
    for path in sorted(pathlib.Path("Sources").rglob("*.swift")):
        name = str(path)
        lines = path.read_text().splitlines()
        if name in EXEMPT:
            continue
        if len(lines) > MAX_FILE:
            problems.append(f"{name}: {len(lines)} lines (at most {MAX_FILE})")
        for function, first, length in functions(lines):
            if length > MAX_FUNCTION:
                problems.append(f"{name}:{first}: {function} is {length} lines (at most {MAX_FUNCTION})")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
