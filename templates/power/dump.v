{% include "partials/prologue.v" %}

// `potmac power`: dumps the nets of the gate netlist's own scope (not the cells' insides) from
// {= start_ns =} ns on, after the testbench's reset, next to the unchanged testbench.
module {= module =};
  initial begin
    #{= start_ns =};
    $dumpfile("{= vcd =}");
    $dumpvars(1, {= scope =});
  end
endmodule
{% include "partials/epilogue.v" %}
