"""Reference model of this design, built from ../format.json alone (written by potmac; needs
neither potmac nor the RTL). It follows the port contract in the README:

MAC, per rising edge: reset clears; en_i: acc <- (clr_i ? 0 : acc) + act * value(code);
clr_i alone clears; otherwise acc holds. Arrays compute Y = X * value(W) per tile.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def to_signed(raw, bits):
    """The two's-complement value of the low `bits` bits of `raw`."""
    raw &= (1 << bits) - 1
    return raw - (1 << bits) if raw >> (bits - 1) else raw


class Design:
    """The design's top module, port widths, array shape and weight code table."""

    def __init__(self, path=None):
        with open(path or os.path.join(HERE, "..", "format.json"), encoding="utf-8") as fh:
            j = json.load(fh)
        self.top = j["top"]
        self.array = j.get("array")
        self.values = {e["code"]: e["value"] for e in j["codes"]}
        w = j["widths"]
        self.act_bits = w["activation"]
        self.code_bits = w["weight_code"]
        self.acc_bits = w["accumulator"]
        self.max_dot_length = w["max_dot_length"]
        self.act_signed = j["activations"]["signed"]

    def act_range(self):
        """Smallest and largest activation."""
        if self.act_signed:
            return -(1 << (self.act_bits - 1)), (1 << (self.act_bits - 1)) - 1
        return 0, (1 << self.act_bits) - 1

    def act_raw(self, act):
        """An activation as the bits on its port."""
        return act & ((1 << self.act_bits) - 1)

    def decode(self, code):
        """The integer value of a weight code."""
        return self.values[code]

    def acc(self, raw):
        """An accumulator port value as a signed integer."""
        return to_signed(raw, self.acc_bits)


class MacModel:
    """The accumulator of one MAC unit, cycle by cycle."""

    def __init__(self, design):
        self.d = design
        self.value = 0

    def step(self, rst, en, clr, act, code):
        if rst:
            self.value = 0
        elif en:
            self.value = (0 if clr else self.value) + act * self.d.decode(code)
        elif clr:
            self.value = 0
        return self.value


def gemm(design, x, w):
    """Y = X * value(W) for row-major lists of lists."""
    k = len(w)
    return [
        [sum(row[t] * design.decode(w[t][j]) for t in range(k)) for j in range(len(w[0]))]
        for row in x
    ]


def pack(values, bits):
    """Element i at bits [i*bits +: bits]."""
    word = 0
    for i, v in enumerate(values):
        word |= (v & ((1 << bits) - 1)) << (i * bits)
    return word


def unpack(word, bits, n):
    """The n signed elements of a packed word."""
    return [to_signed(word >> (i * bits), bits) for i in range(n)]
