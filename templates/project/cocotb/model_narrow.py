

# A narrow accumulator: format.json's "widths" has "overflow" ("saturate" or "wrap"), and the
# exact sum of each cycle is clamped to the accumulator's range or keeps its low bits.
with open(os.path.join(HERE, "..", "format.json"), encoding="utf-8") as _fh:
    _OVERFLOW = json.load(_fh)["widths"]["overflow"]


def _narrow(design, value):
    lo, hi = -(1 << (design.acc_bits - 1)), (1 << (design.acc_bits - 1)) - 1
    if _OVERFLOW == "saturate":
        return min(max(value, lo), hi)
    return to_signed(value, design.acc_bits)


_exact_step = MacModel.step


def _narrow_step(self, rst, en, clr, act, code):
    self.value = _narrow(self.d, _exact_step(self, rst, en, clr, act, code))
    return self.value


MacModel.step = _narrow_step
