"""cocotb tests of this design folder, checked against model.py (which reads ../format.json).

A MAC gets a seeded random run of en/clr/act/code with the dot length kept within
max_dot_length; an array gets random one-tile GEMMs through its documented protocol.
"""
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

from model import Design, MacModel, gemm, pack, unpack

D = Design()


def start_clock(dut):
    try:
        clk = Clock(dut.clk_i, 10, unit="ns")  # cocotb 2.x
    except TypeError:
        clk = Clock(dut.clk_i, 10, units="ns")  # cocotb 1.x
    cocotb.start_soon(clk.start())


async def reset(dut):
    dut.rst_ni.value = 0
    await FallingEdge(dut.clk_i)
    await FallingEdge(dut.clk_i)
    dut.rst_ni.value = 1


def value(handle):
    return int(handle.value)


if D.array is None:

    @cocotb.test()
    async def random_mac(dut):
        """1000 random cycles; acc_o (read as signed) equals the model after every edge."""
        rng = random.Random(1)
        lo, hi = D.act_range()
        start_clock(dut)
        dut.en_i.value = 0
        dut.clr_i.value = 0
        dut.act_i.value = 0
        dut.wcode_i.value = 0
        await reset(dut)
        model = MacModel(D)
        terms = 0
        for cycle in range(1000):
            en = rng.random() < 0.8
            # Clear before the dot product would exceed max_dot_length.
            clr = rng.random() < 0.05 or terms >= D.max_dot_length
            act = rng.choice([lo, hi, rng.randint(lo, hi)])
            code = rng.randrange(1 << D.code_bits)
            dut.en_i.value = int(en)
            dut.clr_i.value = int(clr)
            dut.act_i.value = D.act_raw(act)
            dut.wcode_i.value = code
            want = model.step(False, en, clr, act, code)
            if clr:
                terms = 0
            if en:
                terms += 1
            await FallingEdge(dut.clk_i)
            got = D.acc(value(dut.acc_o))
            assert got == want, f"cycle {cycle}: acc_o {got}, model {want}"

else:
    R, C = D.array["rows"], D.array["cols"]

    def random_tile(rng):
        lo, hi = D.act_range()
        k_max = min(R, D.max_dot_length) if D.array["dataflow"] == "ws" else D.max_dot_length
        m = rng.randint(1, 2 * R if D.array["dataflow"] == "ws" else R)
        k = rng.randint(1, min(k_max, 4 * R))
        n = rng.randint(1, C)
        x = [[rng.randint(lo, hi) for _ in range(k)] for _ in range(m)]
        w = [[rng.randrange(1 << D.code_bits) for _ in range(n)] for _ in range(k)]
        return x, w

    async def collect(dut, rows, limit):
        """Output rows (signed, per column) seen on out_row_o while out_valid_o is high."""
        out = []
        for _ in range(limit):
            await FallingEdge(dut.clk_i)
            if value(dut.out_valid_o):
                out.append(unpack(value(dut.out_row_o), D.acc_bits, C))
                if len(out) == rows:
                    break
        return out

    async def run_ws(dut, x, w):
        m, k, n = len(x), len(w), len(w[0])
        for r in range(R):  # weight rows 0..R-1 (rows past K meet zero activations)
            dut.w_valid_i.value = 1
            dut.w_row_i.value = pack([w[r][j] if r < k else 0 for j in range(n)] + [0] * (C - n), D.code_bits)
            await FallingEdge(dut.clk_i)
        dut.w_valid_i.value = 0
        outputs = cocotb.start_soon(collect(dut, m, m + R + C + 8))
        for i in range(m):
            dut.in_valid_i.value = 1
            dut.in_row_i.value = pack([D.act_raw(x[i][t]) if t < k else 0 for t in range(R)], D.act_bits)
            dut.psum_row_i.value = 0
            await FallingEdge(dut.clk_i)
        dut.in_valid_i.value = 0
        return await outputs

    async def run_os(dut, x, w):
        m, k, n = len(x), len(w), len(w[0])
        outputs = cocotb.start_soon(collect(dut, R, k + 2 * R + C + 8))
        for t in range(k):
            dut.in_valid_i.value = 1
            dut.in_last_i.value = int(t == k - 1)
            dut.in_act_i.value = pack([D.act_raw(x[i][t]) if i < m else 0 for i in range(R)], D.act_bits)
            dut.in_w_i.value = pack([w[t][j] for j in range(n)] + [0] * (C - n), D.code_bits)
            await FallingEdge(dut.clk_i)
        dut.in_valid_i.value = 0
        dut.in_last_i.value = 0
        return await outputs

    @cocotb.test()
    async def random_tiles(dut):
        """Five random one-tile GEMMs; every output row equals X * value(W)."""
        rng = random.Random(1)
        start_clock(dut)
        for port in ("w_valid_i", "in_valid_i", "in_last_i", "w_row_i", "in_row_i", "psum_row_i", "in_act_i", "in_w_i"):
            if hasattr(dut, port):
                getattr(dut, port).value = 0
        await reset(dut)
        for g in range(5):
            x, w = random_tile(rng)
            y = gemm(D, x, w)
            run = run_ws if D.array["dataflow"] == "ws" else run_os
            rows = await run(dut, x, w)
            assert len(rows) >= len(y), f"GEMM {g}: {len(rows)} output rows, expected {len(y)}"
            for i, want in enumerate(y):
                got = rows[i][: len(want)]
                assert got == want, f"GEMM {g} row {i}: got {got}, model {want}"
            for _ in range(R + C):  # idle before the next tile; inputs change on falling edges
                await FallingEdge(dut.clk_i)
