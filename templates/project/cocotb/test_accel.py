"""cocotb test of the accelerator {= v.top =} through its bus only, with cocotbext-axi.

An AxiLiteMaster on s_axil_* writes the program, weight and bias memories (MEM_ADDR, then
MEM_CHUNKS 32-bit chunks per word, least significant first, exactly as the Verilog testbench
tb/{= v.tb =}.v does), BATCH, IMAGES, IMAGE_WORDS, OPTIONS (logits = 1), IER and GIE, and
starts the run (CTRL.ap_start); an AxiStreamSource streams the images into s_axis_* (one frame
per image, TLAST on its last word) and an AxiStreamSink takes every record from m_axis_*, both
with random pauses (POTMAC_STALL % of the cycles each). After irq_o the test reads ERROR (must
be 0), PASSES and the cycle counters, and compares every logit, every class and every pass's
cycle count with the expected file.

Files and settings, from environment variables (relative paths are relative to the folder;
`cocotb/run.py` makes paths relative to its caller absolute):

    POTMAC_PROGRAM   program memory ($readmemh text)   default infer/program.hex
    POTMAC_WEIGHTS   weight memory                      default infer/weights.hex
    POTMAC_BIAS      bias memory                        default infer/bias.hex
    POTMAC_IMAGES    activation words of the images     default infer/images.hex
    POTMAC_EXPECTED  the expected results (JSON)        default infer/expected.json
    POTMAC_STALL     % of cycles each stream pauses     default 40 (0..90)
    POTMAC_SEED      seed of the pauses                 default 1

`potmac infer` writes the four hex files; the expected file (written by potmac's test
tests/accel_cocotb.rs from the integer model) is JSON:

    {"images": N, "batch": B, "image_words": W, "outputs": n, "layers": L,
     "classes": [N classes], "logits": [N lists of n logits], "pass_cycles": [one per pass]}
"""
import json
import logging
import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge, with_timeout
from cocotbext.axi import (
    AxiLiteBus,
    AxiLiteMaster,
    AxiStreamBus,
    AxiStreamFrame,
    AxiStreamSink,
    AxiStreamSource,
)
from cocotbext.axi.axil_channels import (
    AxiLiteARBus,
    AxiLiteAWBus,
    AxiLiteBBus,
    AxiLiteRBus,
    AxiLiteWBus,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The register map (src/hw/accel/regs.rs): byte offsets.
REGS = {
{%- for r in v.regs %}
    "{= r.3 =}": 0x{= r.2 =},
{%- endfor %}
}
ID = 0x{= v.id_hex =}
COLS = {= v.side =}
SUM_BITS = {= v.sum_bits =}
COUNT_BITS = {= v.count_bits =}
IMAGE_BITS = {= v.image_bits =}
LAYER_BITS = {= v.p_addr =}
USER_BITS = {= v.user_width =}
# TUSER = {kind[1:0], layer, image, tile, class}; kind 0 a row, 1 a row carrying its image's
# class, 2 a pass end (TDATA[31:0] its cycles, class field the pass's images).
KIND_ROW, KIND_CLASS, KIND_END = 0, 1, 2


def setting(name, default):
    return os.environ.get(name, default)


def path(name, default):
    p = setting(name, default)
    return p if os.path.isabs(p) else os.path.join(ROOT, p)


def read_hex(name, default):
    with open(path(name, default), encoding="utf-8") as fh:
        return [int(t, 16) for line in fh for t in line.split("//")[0].split() if not t.startswith("@")]


def signed(v, bits):
    return v - (1 << bits) if v >> (bits - 1) else v


def field(v, lsb, bits):
    return (v >> lsb) & ((1 << bits) - 1)


def ported(cls, dut, prefix):
    """The cocotbext-axi bus `cls` on `<prefix>_<signal>_i` / `_o` (potmac's port suffixes)."""

    def name(sig):
        for sfx in ("_i", "_o"):
            if hasattr(dut, f"{prefix}_{sig}{sfx}"):
                return sig + sfx
        return sig

    sub = type(cls.__name__, (cls,), {
        "_signals": {s: name(s) for s in cls._signals},
        "_optional_signals": {s: name(s) for s in cls._optional_signals},
    })
    return sub.from_prefix(dut, prefix)


class Stalls:
    """A pause generator: True (pause) in `percent` % of the cycles, at random; counts them."""

    def __init__(self, rng, percent):
        self.rng, self.p = rng, percent / 100.0
        self.cycles = self.paused = 0

    def __iter__(self):
        while True:
            pause = self.rng.random() < self.p
            self.cycles += 1
            self.paused += pause
            yield pause

    def percent(self):
        return 100.0 * self.paused / max(self.cycles, 1)


@cocotb.test()
async def infer_through_the_bus(dut):
    """The images of an infer run over AXI4-Lite and AXI4-Stream with random stalls."""
    exp_file = path("POTMAC_EXPECTED", "infer/expected.json")
    assert os.path.isfile(exp_file), f"no expected file {exp_file} (POTMAC_EXPECTED; see the top of this file)"
    with open(exp_file, encoding="utf-8") as fh:
        exp = json.load(fh)
    program = read_hex("POTMAC_PROGRAM", "infer/program.hex")
    weights = read_hex("POTMAC_WEIGHTS", "infer/weights.hex")
    biases = read_hex("POTMAC_BIAS", "infer/bias.hex")
    words = read_hex("POTMAC_IMAGES", "infer/images.hex")
    stall = int(setting("POTMAC_STALL", "40"))
    assert 0 <= stall <= 90, f"POTMAC_STALL {stall}: 0..90"
    rng = random.Random(int(setting("POTMAC_SEED", "1")))
    n_img, batch, per = exp["images"], exp["batch"], exp["image_words"]
    n_out = exp["outputs"]
    assert len(words) >= n_img * per, f"{len(words)} image words, {n_img} images of {per} needed"
    passes = [min(batch, n_img - p) for p in range(0, n_img, batch)]
    assert len(exp["pass_cycles"]) == len(passes), "pass_cycles: one per pass"

    try:
        clk = Clock(dut.clk_i, 10, unit="ns")  # cocotb 2.x
    except TypeError:
        clk = Clock(dut.clk_i, 10, units="ns")  # cocotb 1.x
    cocotb.start_soon(clk.start())
    for bus in ("s_axil", "s_axis", "m_axis"):  # no per-beat and start-up messages
        logging.getLogger(f"cocotb.{dut._name}.{bus}").setLevel(logging.WARNING)
    axil = AxiLiteMaster(
        AxiLiteBus.from_channels(*(ported(c, dut, "s_axil") for c in
                                   (AxiLiteAWBus, AxiLiteWBus, AxiLiteBBus, AxiLiteARBus, AxiLiteRBus))),
        dut.clk_i, dut.rst_ni, reset_active_level=False)
    source = AxiStreamSource(ported(AxiStreamBus, dut, "s_axis"), dut.clk_i, dut.rst_ni,
                             reset_active_level=False, byte_lanes=1)
    sink = AxiStreamSink(ported(AxiStreamBus, dut, "m_axis"), dut.clk_i, dut.rst_ni,
                         reset_active_level=False, byte_lanes=1)
    in_stalls, out_stalls = Stalls(rng, stall), Stalls(rng, stall)
    source.set_pause_generator(iter(in_stalls))
    sink.set_pause_generator(iter(out_stalls))

    async def write(reg, value):
        await axil.write_dword(REGS[reg], value)

    async def read(reg):
        return await axil.read_dword(REGS[reg])

    dut.rst_ni.value = 0
    await ClockCycles(dut.clk_i, 2)
    await FallingEdge(dut.clk_i)
    dut.rst_ni.value = 1
    await RisingEdge(dut.clk_i)
    got_id = await read("ID")
    assert got_id == ID, f"the ID register reads {got_id:#x}"

    # The memories, word by word, MEM_CHUNKS chunks least significant first; the rest of
    # each memory zero (as the Verilog testbench).
    chunks = await read("MEM_CHUNKS")
    depth = [(await read("HWCFG1")) >> 16, await read("WEIGHT_WORDS"), await read("BIAS_WORDS")]
    for sel, mem in enumerate((program, weights, biases)):
        assert len(mem) <= depth[sel], f"memory {sel}: {len(mem)} words, {depth[sel]} fit"
        n_chunks = field(chunks, 8 * sel, 8)
        await write("MEM_ADDR", sel << 28)
        for w in mem + [0] * (depth[sel] - len(mem)):
            for c in range(n_chunks):
                await write("MEM_DATA", field(w, 32 * c, 32))
    await write("BATCH", batch)
    await write("IMAGES", n_img)
    await write("IMAGE_WORDS", per)
    await write("OPTIONS", 1)  # logits: every last-layer row
    await write("IER", 3)
    await write("GIE", 1)
    err = await read("ERROR")
    assert err == 0, f"error bits {err:#05x} before the run"
    await write("CTRL", 1)
    for i in range(n_img):
        source.send_nowait(AxiStreamFrame(words[i * per:(i + 1) * per]))

    limit = 2 * sum(exp["pass_cycles"]) + 40 * n_img * per + 10000
    await with_timeout(RisingEdge(dut.irq_o), 10 * limit, "ns")
    await ClockCycles(dut.clk_i, 4)
    err = await read("ERROR")
    ctrl = await read("CTRL")
    counters = {r: await read(r) for r in ("RUN_CYCLES", "BUSY_CYCLES", "STALL_IN", "STALL_OUT",
                                          "PASSES")}
    dut._log.info("stalls: input %.1f %%, output %.1f %% of the cycles; counters %s",
                  in_stalls.percent(), out_stalls.percent(), counters)
    assert err == 0, f"error bits {err:#05x}"
    assert ctrl & 2, f"the interrupt came without ap_done (CTRL {ctrl:#x})"
    assert counters["PASSES"] == len(passes), f"PASSES {counters['PASSES']}, expected {len(passes)}"
    assert counters["BUSY_CYCLES"] == sum(exp["pass_cycles"]), \
        f"BUSY_CYCLES {counters['BUSY_CYCLES']}, the passes' cycles {sum(exp['pass_cycles'])}"

    # Every record: one frame (TLAST) per pass, ending with its pass-end record.
    frames = []
    while not sink.empty():
        frames.append(sink.recv_nowait(compact=False))
    assert len(frames) == len(passes), f"{len(frames)} output frames, {len(passes)} passes"
    base = 0
    logits, classes = {}, {}
    for p, frame in enumerate(frames):
        beats = list(zip(frame.tdata, frame.tuser))
        for b, (data, user) in enumerate(beats):
            kind = field(user, USER_BITS - 2, 2)
            layer = field(user, USER_BITS - 2 - LAYER_BITS, LAYER_BITS)
            image = field(user, 2 * COUNT_BITS, IMAGE_BITS)
            tile = field(user, COUNT_BITS, COUNT_BITS)
            cls = field(user, 0, COUNT_BITS)
            where = f"pass {p} record {b}"
            if b == len(beats) - 1:
                assert kind == KIND_END, f"{where}: TLAST on a record of kind {kind}"
                assert cls == passes[p], f"{where}: pass end of {cls} images, expected {passes[p]}"
                cycles = field(data, 0, 32)
                assert cycles == exp["pass_cycles"][p], \
                    f"pass {p} took {cycles} cycles, the cycle model says {exp['pass_cycles'][p]}"
                continue
            assert kind in (KIND_ROW, KIND_CLASS), f"{where}: kind {kind} before the pass end"
            assert layer == exp["layers"] - 1, f"{where}: layer {layer} (logits only)"
            assert image < passes[p], f"{where}: image {image} of a pass of {passes[p]}"
            s = base + image
            assert (s, tile) not in logits, f"image {s} tile {tile}: two rows"
            logits[(s, tile)] = [signed(field(data, c * SUM_BITS, SUM_BITS), SUM_BITS)
                                 for c in range(COLS)]
            if kind == KIND_CLASS:
                assert s not in classes, f"image {s}: two classes"
                classes[s] = cls
        base += passes[p]
    tiles = (n_out + COLS - 1) // COLS
    for s in range(n_img):
        assert s in classes, f"image {s}: no class"
        assert classes[s] == exp["classes"][s], \
            f"image {s}: hardware class {classes[s]}, integer model {exp['classes'][s]}"
        row = []
        for t in range(tiles):
            assert (s, t) in logits, f"image {s}: no row for N-tile {t}"
            row += logits[(s, t)]
        for o, want in enumerate(exp["logits"][s]):
            assert row[o] == want, f"image {s} logit {o}: hardware {row[o]}, integer model {want}"
        assert all(v == 0 for v in row[n_out:]), f"image {s}: masked columns {row[n_out:]}"
    assert len(logits) == n_img * tiles, f"{len(logits)} logit rows, {n_img * tiles} expected"
    dut._log.info("PASS %d images, %d passes: every logit, class and pass cycle count", n_img,
                  len(passes))
