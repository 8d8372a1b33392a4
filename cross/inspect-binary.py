#!/usr/bin/env python3
"""Facts about the ARM teachpad that cross/arm-check.sh asserts.

usage: inspect-binary.py BINARY STRIPPED OBJDUMP

Prints the program interpreter, the size of the stripped file and of its
code, and the NEON multiply-accumulate instructions found in the inference
kernels, one line each. Exits 1 when the binary is not a dynamically linked
aarch64 Linux executable or when the kernels hold no vector
multiply-accumulate (they were compiled to scalar code).
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
