#!/usr/bin/env python3
"""A syntax check of udev rules files for machines whose udevadm has no
`verify` (systemd before 254, as on Debian 12): every rule is a list of
KEY[{attribute}] OPERATOR "value" terms separated by commas, match keys use
== or !=, assignment keys use = += -= or :=, and each rule assigns
something. Prints each problem with its line; exits 1 if there is one.

usage: lint-udev-rules.py FILE...
"""
import re
import sys

MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK",
              "SUBSYSTEM", "SUBSYSTEMS", "DRIVER", "DRIVERS", "ATTR", "ATTRS",
              "SYSCTL", "ENV", "CONST", "TAG", "TAGS", "TEST", "PROGRAM",
              "RESULT"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR",
               "SYSCTL", "ENV", "TAG", "RUN", "LABEL", "GOTO", "IMPORT",
               "OPTIONS"}
TERM = re.compile(r'\s*([A-Z_]+)(\{[^}]+\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)')


def problems_in(path):
    found = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            position, assigns = 0, False
            while position < len(line.rstrip("\n")):
                term = TERM.match(line, position)
                if not term:
                    found.append(f"{path}:{number}: cannot read a term at "
                                 f"column {position + 1}: {line[position:].strip()[:40]}")
                    break
                key, _, operator, _, _ = term.groups()
                if operator in ("==", "!="):
                    if key not in MATCH_KEYS:
                        found.append(f"{path}:{number}: {key} cannot be matched")
                else:
                    assigns = True
                    if key not in ASSIGN_KEYS:
                        found.append(f"{path}:{number}: {key} cannot be assigned")
                position = term.end()
            else:
                if not assigns:
                    found.append(f"{path}:{number}: the rule assigns nothing")
    return found


def main():
    problems = [problem for path in sys.argv[1:] for problem in problems_in(path)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
