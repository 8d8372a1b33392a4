#!/usr/bin/env python3
"""Facts about the ARM teachpad that cross/arm-check.sh asserts.

usage: inspect-binary.py BINARY STRIPPED OBJDUMP [MAP]

Prints the program interpreter, the size of the stripped file and of its
code, and the NEON multiply-accumulate instructions found in the inference
kernels, one line each. Exits 1 when the binary is not a dynamically linked
aarch64 Linux executable or when the kernels hold no vector
multiply-accumulate (they were compiled to scalar code).

With MAP, lld's link map of BINARY (-Map), it also prints where the bytes of
the stripped file come from: each of teachpad's modules, the Swift standard
library code specialized into them, the Unicode tables, C++ templates from
library headers, and what the linker and the C runtime add. The line
"inspect: teachpad's own code: N bytes" sums what is compiled from Sources/.
"""
import re
import struct
import subprocess
import sys

EXPECTED_INTERPRETER = "/lib/ld-linux-aarch64.so.1"
# Vector multiply-accumulate forms: floating point (fmla), integer (mla),
# widening (smlal, umlal and their high halves) and dot products.
MULTIPLY_ACCUMULATE = re.compile(
    r"\t(fmla|fmls|mla|mls|smlal2?|umlal2?|smlsl2?|umlsl2?|sdot|udot)"
    r"\s+v\d+\.")
# The inference module's symbols in Embedded mangling: $e9Inference...
INFERENCE_SYMBOL = re.compile(r"^\$e9Inference|^\$es9Inference|9Inference")


def interpreter(path):
    """The PT_INTERP string of a 64-bit little-endian ELF file, or None."""
    with open(path, "rb") as file:
        data = file.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    machine = struct.unpack_from("<H", data, 18)[0]
    if machine != 183:  # EM_AARCH64
        return None
    program_offset = struct.unpack_from("<Q", data, 32)[0]
    entry_size, entry_count = struct.unpack_from("<HH", data, 54)
    for index in range(entry_count):
        base = program_offset + index * entry_size
        kind = struct.unpack_from("<I", data, base)[0]
        if kind == 3:  # PT_INTERP
            offset = struct.unpack_from("<Q", data, base + 8)[0]
            size = struct.unpack_from("<Q", data, base + 32)[0]
            return data[offset:offset + size].rstrip(b"\0").decode()
    return None


def section_sizes(path, objdump):
    listing = subprocess.run([objdump, "-h", path], check=True,
                             capture_output=True, text=True).stdout
    sizes = {}
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0].isdigit():
            try:
                sizes[fields[1]] = int(fields[2], 16)
            except ValueError:
                pass
    return sizes


def kernel_multiply_accumulates(path, objdump):
    """Counts per inference function of vector multiply-accumulates."""
    listing = subprocess.run([objdump, "-d", "--no-show-raw-insn", path],
                             check=True, capture_output=True,
                             text=True).stdout
    counts = {}
    function = None
    for line in listing.splitlines():
        header = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if header:
            name = header.group(1)
            function = name if INFERENCE_SYMBOL.search(name) else None
            continue
        if function and MULTIPLY_ACCUMULATE.search(line):
            counts[function] = counts.get(function, 0) + 1
    return counts


# Swift modules of the package; a symbol $e<length><module>... is theirs.
OWN_SWIFT_MODULES = ("teachpad", "App", "Learning", "Board", "Inference",
                     "AVX512Kernels", "Support")
OWN_SWIFT_SYMBOL = re.compile(
    r"^\$e(\d+)(" + "|".join(OWN_SWIFT_MODULES) + r")")
# An extension declared in one of the package's modules on a standard type,
# such as $eSS7SupportE... (String, extended in Support).
OWN_EXTENSION = re.compile(
    r"^\$e\w{1,4}?(\d+)(" + "|".join(OWN_SWIFT_MODULES) + r")E")
# C++ code instantiated from library headers: namespaces arma, std and
# __gnu_cxx. Lambdas and helpers of HeadMath itself are teachpad's.
LIBRARY_CXX_SYMBOL = re.compile(r"^_Z(N|NK|L)?(4arma|St|9__gnu_cxx)")
CODE_SECTIONS = (".text", ".init", ".fini", ".plt")
# Sections that take no bytes in the file.
EMPTY_IN_FILE = (".bss", ".tbss", ".relro_padding")
MAP_INPUT = re.compile(
    r"^\s*[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s{9}(\S.*):\((.*)\)$")
MAP_OUTPUT = re.compile(r"^\s*[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+\d+ (\S+)$")
# Groups in the order they are printed; the first ones are teachpad's own.
OWN_GROUPS = [f"Swift module {name}" for name in OWN_SWIFT_MODULES] + [
    "C shims (CShims)", "HeadMath (C++ bridge to Armadillo)"]
OTHER_GROUPS = [
    "Swift standard library (generic code specialized into the modules)",
    "Swift Unicode tables (libswiftUnicodeDataTables.a)",
    "C++ templates from headers (Armadillo, libstdc++)",
    "string literals and constants merged across modules",
    "C runtime start files (crt, libc_nonshared, libgcc)",
    "dynamic linking: symbols, relocations, PLT, GOT",
]


def swift_group(symbol, module):
    """The group of a Swift object's section named after `symbol`."""
    match = OWN_SWIFT_SYMBOL.match(symbol)
    if match and int(match.group(1)) == len(match.group(2)):
        return f"Swift module {match.group(2)}"
    if symbol.startswith("$e") and not OWN_EXTENSION.match(symbol):
        return OTHER_GROUPS[0]
    # Outlined sequences (-Osize), entry points, extensions of standard
    # types: code of the module that holds them.
    return f"Swift module {module}"


def section_symbol(section):
    """The function or object a section holds (-ffunction-sections):
    .text.$e3App..., .text.hot._ZN4arma..., .text.shim_gpio_read_edges."""
    for marker in ("$e", "_Z"):
        if marker in section:
            return section[section.index(marker):]
    return section.rsplit(".", 1)[-1]


def input_group(path, section, output):
    """The group that one input section of the link map belongs to."""
    symbol = section_symbol(section)
    folder = re.search(r"/([^/]+)\.build/[^/]+$", path)
    if folder and folder.group(1) in OWN_SWIFT_MODULES:
        return swift_group(symbol, folder.group(1))
    if folder and folder.group(1) == "CShims":
        return OWN_GROUPS[-2]
    if folder and folder.group(1) == "HeadMath":
        if LIBRARY_CXX_SYMBOL.match(symbol):
            return OTHER_GROUPS[2]
        return OWN_GROUPS[-1]
    if "libswiftUnicodeDataTables" in path:
        return OTHER_GROUPS[1]
    if path == "<internal>":
        if output.startswith(".rodata"):
            return OTHER_GROUPS[3]
        return OTHER_GROUPS[5]
    return OTHER_GROUPS[4]


def origin_sizes(map_path):
    """{group: [code bytes, other bytes]} over the file's sections."""
    sizes = {}
    output = None
    with open(map_path) as file:
        for line in file:
            header = MAP_OUTPUT.match(line)
            if header:
                output = header.group(1)
                continue
            found = MAP_INPUT.match(line)
            if not found or output is None:
                continue
            if output in EMPTY_IN_FILE or not output.startswith("."):
                continue
            if output.startswith((".debug", ".comment", ".symtab",
                                  ".strtab", ".shstrtab")):
                continue
            size, path, section = found.groups()
            group = input_group(path, section, output)
            slot = 0 if output in CODE_SECTIONS else 1
            sizes.setdefault(group, [0, 0])[slot] += int(size, 16)
    return sizes


def print_origins(map_path, file_bytes):
    sizes = origin_sizes(map_path)
    print("inspect: where the stripped bytes come from (code, constants "
          "and data, total):")
    counted = 0
    own = 0
    for group in OWN_GROUPS + OTHER_GROUPS:
        code, other = sizes.get(group, [0, 0])
        counted += code + other
        if group in OWN_GROUPS:
            own += code + other
        print(f"inspect:   {code:7d} {other:7d} {code + other:7d}  {group}")
        if group == OWN_GROUPS[-1]:
            print(f"inspect:   {'':7} {'':7} {own:7d}  = teachpad's own "
                  "code (Sources/)")
    print(f"inspect:   {'':7} {'':7} {file_bytes - counted:7d}  ELF headers, "
          "section alignment, section names")
    print(f"inspect: teachpad's own code: {own} bytes")


def demangle(names):
    try:
        result = subprocess.run(["swift-demangle", "--simplified"],
                                input="\n".join(names), check=True,
                                capture_output=True, text=True)
        return result.stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return names


def main():
    binary, stripped, objdump = sys.argv[1:4]
    link_map = sys.argv[4] if len(sys.argv) > 4 else None
    found = interpreter(binary)
    if found != EXPECTED_INTERPRETER:
        print(f"inspect: {binary}: interpreter {found!r}, expected "
              f"{EXPECTED_INTERPRETER} (not an aarch64 Linux executable)")
        return 1
    print(f"inspect: aarch64 Linux executable, interpreter {found}")

    sizes = section_sizes(stripped, objdump)
    code = sizes.get(".text", 0)
    constants = sizes.get(".rodata", 0)
    data = sum(sizes.get(name, 0) for name in
               (".data", ".data.rel.ro", ".bss"))
    with open(stripped, "rb") as file:
        file_bytes = len(file.read())
    print(f"inspect: stripped {file_bytes} bytes: code {code}, "
          f"constants {constants}, data {data}")
    if link_map:
        print_origins(link_map, file_bytes)

    counts = kernel_multiply_accumulates(binary, objdump)
    total = sum(counts.values())
    if total == 0:
        print("inspect: no NEON multiply-accumulate in any Inference "
              "function: the kernels were not vectorized")
        return 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])[:4]
    names = demangle([name for name, _ in ranked])
    print(f"inspect: {total} NEON multiply-accumulates in "
          f"{len(counts)} Inference functions; most in:")
    for (_, count), name in zip(ranked, names):
        print(f"inspect:   {count:5d}  {name[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
