#!/usr/bin/env bash
# iCE40 HX8K Fmax of one module of a generated folder, alone (a benchmark, not a test).
#
#   benches/unit_fmax.sh FOLDER MODULE [SEED]
#
# e.g. benches/unit_fmax.sh /tmp/x/pot_w4a8_accel8x8 pot_w4a8_accel8x8_postop
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
out="$dir/build/unit_$module"
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
yosys -q -l "$out/yosys.log" -p "read_verilog -sv $dir/rtl/$module.v $out/wrap.v; \
  synth_ice40 -top unit_wrap -json $out/netlist.json; tee -q -o $out/stat.txt stat" >/dev/null
nextpnr-ice40 --hx8k --package ct256 --json "$out/netlist.json" --report "$out/report.json" \
  --freq 300 --timing-allow-fail --seed "$seed" -l "$out/nextpnr.log" -q >/dev/null 2>&1
python3 - "$out/report.json" "$out/stat.txt" "$module" <<'EOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
fmax = min(v["achieved"] for v in r["fmax"].values())
stat = open(sys.argv[2]).read()
cells = {k: int(v) for k, v in re.findall(r"^\s+(SB_\w+)\s+(\d+)", stat, re.M)}
lc = sum(v for k, v in cells.items() if k.startswith("SB_LUT4"))
ff = sum(v for k, v in cells.items() if k.startswith("SB_DFF"))
ram = cells.get("SB_RAM40_4K", 0)
print(f"{sys.argv[3]}: {fmax:.1f} MHz, {lc} LUT4, {ff} DFF (wrapper included), {ram} SB_RAM40_4K")
EOF
