#!/usr/bin/env python3
"""Static report of the CUDA kernels (see static.sh): python3 static_report.py OUT TOOLS_BIN [--markdown].

OUT/ptx holds, per kernel instantiation, NAME.sm_80.ptx, NAME.sm_90.ptx and NAME.launch (written by
KernelCompileTests). Each PTX is assembled with ptxas -v (registers, spills, static shared memory);
the sm_90 cubin is disassembled with cuobjdump -sass to measure the GEMM main loop.

Resident blocks per SM on sm_90 follow NVIDIA's occupancy calculator with H100/H200 limits:
65536 registers per SM in 4 sub-partitions, allocated per warp in units of 256 (so a thread's count
rounds up to a multiple of 8), at most 255 per thread and 65536 per block (checked with the block's
warps rounded up to a multiple of 4); 228 KiB shared memory per SM, 227 KiB per block, 1 KiB reserved
per block, allocated in 128-byte units; 64 warps (2048 threads) and 32 blocks per SM.

Loops in the SASS are the address ranges [target, branch] of backward branches. The main loop of a
kernel is the one with the most FFMA (DFMA for Float64) instructions, the innermost on a tie; its
tile loop is the innermost loop around it that holds global loads (LDG), whose widths are reported
(the GEMM's vector path and its element-wise fallback both appear). "of all" is the loop's static
instruction count over every path (its rarely taken branches included); idiv counts the emulated
integer divisions (I2F.U32.RP) in the tile loop.
"""
import math
import os
import re
import subprocess
import sys

OUT, BIN = sys.argv[1], sys.argv[2]
MARKDOWN = "--markdown" in sys.argv[3:]
PTX = os.path.join(OUT, "ptx")
ISA_MAX = (7, 8)  # ptxas 11.8 reads PTX ISA <= 7.8

REGS_PER_SM, SUB_PARTITIONS, REG_UNIT, REGS_PER_BLOCK, MAX_REGS = 65536, 4, 256, 65536, 255
SMEM_PER_SM, SMEM_PER_BLOCK, SMEM_RESERVED, SMEM_UNIT = 228 * 1024, 227 * 1024, 1024, 128
WARPS_PER_SM, BLOCKS_PER_SM = 64, 32


def round_up(x, unit):
    return (x + unit - 1) // unit * unit


def blocks_per_sm(regs, smem, threads):
    """Resident blocks per SM on sm_90 and what limits them."""
    warps = math.ceil(threads / 32)
    per_warp = round_up(max(regs, 1) * 32, REG_UNIT)
    if regs > MAX_REGS or per_warp * round_up(warps, SUB_PARTITIONS) > REGS_PER_BLOCK:
        by_regs = 0
    else:
        by_regs = (REGS_PER_SM // SUB_PARTITIONS // per_warp) * SUB_PARTITIONS // warps
    block_smem = round_up(smem + SMEM_RESERVED, SMEM_UNIT)
    by_smem = 0 if block_smem > SMEM_PER_BLOCK + SMEM_RESERVED else SMEM_PER_SM // block_smem
    limits = {"regs": by_regs, "smem": by_smem, "warps": WARPS_PER_SM // warps, "blocks": BLOCKS_PER_SM}
    n = min(limits.values())
    return n, "+".join(k for k, v in limits.items() if v == n)


def assemble(ptx_path, arch):
    """ptxas -v on one PTX file: (registers, spill bytes, static shared bytes, cubin path, ISA note)."""
    text = open(ptx_path).read()
    note = ""
    m = re.search(r"^\.version (\d+)\.(\d+)", text, re.M)
    if m and (int(m.group(1)), int(m.group(2))) > ISA_MAX:
        # ILGPU writes ISA 8.0 for sm_90; the sm_90 code is otherwise what ISA 7.8 allows.
        note = f"ISA {m.group(1)}.{m.group(2)}->7.8"
        text = text[: m.start()] + ".version 7.8" + text[m.end():]
    src = ptx_path.replace(".ptx", ".as.ptx")
    open(src, "w").write(text)
    cubin = ptx_path.replace(".ptx", ".cubin")
    r = subprocess.run([os.path.join(BIN, "ptxas"), f"-arch=sm_{arch}", "-v", "-o", cubin, src], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"static: ptxas sm_{arch} failed on {ptx_path}:\n{r.stderr}")
    regs = max(int(x) for x in re.findall(r"Used (\d+) registers", r.stderr))
    smem = max([int(x) for x in re.findall(r"(\d+) bytes smem", r.stderr)] or [0])
    spills = sum(int(a) + int(b) for a, b in re.findall(r"(\d+) bytes spill stores, (\d+) bytes spill loads", r.stderr))
    return regs, spills, smem, cubin, note


SASS_LINE = re.compile(r"/\*([0-9a-f]{4,})\*/\s+(?:@!?U?P[T0-9]+\s+)?([A-Z][A-Z0-9_.]*)([^;]*);")


def sass(cubin):
    r = subprocess.run([os.path.join(BIN, "cuobjdump"), "-sass", cubin], capture_output=True, text=True, check=True)
    return [(int(a, 16), op, args) for a, op, args in SASS_LINE.findall(r.stdout)]


def ldg_bits(op):
    for suffix, bits in ((".128", 128), (".64", 64), (".U16", 16), (".S16", 16), (".U8", 8), (".S8", 8)):
        if suffix in op:
            return bits
    return 32


def loop_stats(code, fma):
    """Main loop (most FMA, innermost on a tie) and its tile loop (innermost enclosing loop with LDG)."""
    loops = []
    for addr, op, args in code:
        m = re.search(r"0x([0-9a-f]+)", args)
        if op.startswith("BRA") and m and int(m.group(1), 16) <= addr:
            loops.append((int(m.group(1), 16), addr))

    def ops(lo, hi):
        return [op for a, op, _ in code if lo <= a <= hi]

    scored = [(sum(op == fma for op in ops(lo, hi)), -(hi - lo), lo, hi) for lo, hi in loops]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        return None
    n_fma, _, lo, hi = max(scored)
    body = ops(lo, hi)
    lds = [op for op in body if op.startswith("LDS")]
    outer = sorted((h - l, l, h) for l, h in loops if l <= lo and h >= hi and any(op.startswith("LDG") for op in ops(l, h)))
    widths = {}
    idiv = 0
    if outer:
        _, l, h = outer[0]
        for op in ops(l, h):
            if op.startswith("LDG"):
                widths[ldg_bits(op)] = widths.get(ldg_bits(op), 0) + 1
        idiv = sum(op.startswith("I2F.U32.RP") for op in ops(l, h))
    return {
        "fma": n_fma, "lds": len(lds), "size": len(body), "lds128": sum(".128" in op for op in lds),
        "ratio": n_fma / len(lds) if lds else 0.0,
        "ldg": widths, "idiv": idiv,
    }


rows = []
for launch in sorted(f for f in os.listdir(PTX) if f.endswith(".launch")):
    stem = os.path.join(PTX, launch[: -len(".launch")])
    meta = dict(line.split("=", 1) for line in open(stem + ".launch").read().split("\n") if "=" in line)
    name, threads, dyn = meta["name"], int(meta["threads"]), int(meta["dynamic_shared"])
    r80, s80, _, _, _ = assemble(stem + ".sm_80.ptx", 80)
    r90, s90, smem, cubin, note = assemble(stem + ".sm_90.ptx", 90)
    local = len(re.findall(r"\.local", open(stem + ".sm_90.ptx").read()))
    blocks, limit = blocks_per_sm(r90, smem + dyn, threads)
    args = re.search(r"<(.*)>", name).group(1).split(",")
    row = {"name": name, "r80": r80, "r90": r90, "spills": s80 + s90, "smem": smem + dyn, "threads": threads,
           "blocks": blocks, "limit": limit, "local": local, "note": note, "double": "Double" in args,
           "sim": "TileSim" in args, "tiled": any(a.startswith("Tile") for a in args), "loop": None}
    family = name.split(".")[0]
    if family in ("Gemm", "Conv"):
        row["loop"] = loop_stats(sass(cubin), "DFMA" if row["double"] else "FFMA")
    rows.append(row)


def fmt_loop(lp):
    if not lp:
        return ["-"] * 4
    ldg = " ".join(f"{b}x{n}" for b, n in sorted(lp["ldg"].items(), reverse=True)) or "-"
    return [f"{lp['fma']}/{lp['lds']} ({lp['lds128']} x128) of {lp['size']}", f"{lp['ratio']:.1f}" if lp["lds"] else "no LDS", ldg, str(lp["idiv"])]


header = ["kernel", "regs sm_80", "regs sm_90", "spill B", "smem B", "threads", "blocks/SM sm_90", "local", "main loop FMA/LDS (LDS.128) of all", "FMA per LDS", "tile loop LDG bits x count", "idiv"]
table = [[r["name"], str(r["r80"]), str(r["r90"]), str(r["spills"]), str(r["smem"]), str(r["threads"]),
          f"{r['blocks']} ({r['limit']})", str(r["local"])] + fmt_loop(r["loop"]) for r in rows]
if MARKDOWN:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for t in table:
        print("| " + " | ".join(t) + " |")
else:
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(header)]
    for t in [header] + table:
        print("  ".join(c.ljust(w) for c, w in zip(t, widths)))
notes = sorted({r["note"] for r in rows if r["note"]})
if notes:
    print(f"(sm_90 PTX rewritten for ptxas 11.8: {', '.join(notes)})")

# The GEMM kernels a GPU launches in Float32 (the simulator's tile never runs on one).
gemm = [r for r in rows if r["name"].startswith("Gemm.") and r["tiled"] and not r["sim"] and not r["double"] and r["loop"]]
ffma_per_lds = min((r["loop"]["ratio"] for r in gemm), default=0)
ldg = min((max(r["loop"]["ldg"] or {0: 0}) for r in gemm), default=0)
conv = [r for r in rows if r["name"].startswith("Conv.")]
direct = [r["name"] for r in conv if not r["tiled"] or not r["loop"] or r["loop"]["lds"] == 0]
under = [r["name"] for r in rows if not r["double"] and not r["sim"] and r["blocks"] < 2]
if under:
    print("Float32 kernels under 2 blocks/SM on sm_90: " + ", ".join(under))
if direct:
    print("conv kernels not on the GEMM tiles: " + ", ".join(direct))
print(f"static: kernels={len(rows)} spills={sum(r['spills'] for r in rows)} max_registers={max(max(r['r80'], r['r90']) for r in rows)} "
      f"gemm_ffma_per_lds={ffma_per_lds:.1f} gemm_ldg_bits={ldg} conv_direct={'yes' if direct else 'no'}")
