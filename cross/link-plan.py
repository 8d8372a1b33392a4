#!/usr/bin/env python3
"""Lists what the ARM link of one executable target needs, one per line:
the object files of the target and of every target it depends on, then
`-lname` for each library their linkerSettings name.

usage: swift package dump-package | link-plan.py TARGET BUILD_DIR

cross/env.sh links the Embedded build itself: SwiftPM's own link expects
one object per source file, and the toolset asks swiftc for one object per
module (see cross/README.md). A Swift target's object is
BUILD_DIR/NAME.build/NAME.o; a C or C++ target has one object per source
file in BUILD_DIR/NAME.build/.
"""
import glob
import json
import os
import sys


def main():
    target_name, build_directory = sys.argv[1], sys.argv[2]
    package = json.load(sys.stdin)
    targets = {target["name"]: target for target in package["targets"]}

    order, seen = [], set()

    def visit(name):
        if name in seen or name not in targets:
            return
        seen.add(name)
        for dependency in targets[name].get("dependencies", []):
            for kind in ("byName", "target", "product"):
                if kind in dependency:
                    visit(dependency[kind][0])
        order.append(name)

    visit(target_name)
    if target_name not in seen:
        sys.exit(f"link-plan: no target {target_name} in the package")

    libraries = []
    for name in order:
        folder = os.path.join(build_directory, f"{name}.build")
        module_object = os.path.join(folder, f"{name}.o")
        if os.path.exists(module_object):
            print(module_object)
        else:
            objects = sorted(glob.glob(os.path.join(folder, "*.c.o"))
                             + glob.glob(os.path.join(folder, "*.cpp.o")))
            if not objects:
                sys.exit(f"link-plan: no objects for target {name} in {folder}")
            print("\n".join(objects))
        for setting in targets[name].get("settings", []):
            library = setting.get("kind", {}).get("linkedLibrary")
            if setting.get("tool") == "linker" and library:
                if library["_0"] not in libraries:
                    libraries.append(library["_0"])
    for library in libraries:
        print(f"-l{library}")


if __name__ == "__main__":
    main()
