{% include "partials/prologue.v" %}

// Independent reference for formal equivalence: the code table as a case statement and one
// behavioural multiply-accumulate at the accumulator width. Written from the code table alone,
// not from the datapath of {= mac =}.
module {= module =} (
{%- include "partials/ports.v" %}
);
  localparam integer AccWidth = {= c.acc =};

  // Activation ({= c.act_bits =} bits, {% if c.act_signed %}signed{% else %}unsigned{% endif %}) as a signed AccWidth-bit number.
  wire signed [AccWidth-1:0] act_a = $signed({= act_ext =});
{%- if let Some(n) = uniform_pad %}

  // Uniform weight: the integer value of a code is the code read as two's complement.
  wire signed [AccWidth-1:0] value = $signed({{{= n =}{wcode_i[{= w_msb =}]}}, wcode_i});
  wire        [AccWidth-1:0] prod  = $unsigned(act_a * value);
{%- else if per_code_products %}

  // act * value, for the integer value of every weight code.
  reg [AccWidth-1:0] prod;
  always @(*) begin
    case (wcode_i)
{%- for e in cases %}
      {= e.code =}: prod = $unsigned(act_a * {= e.value =});
{%- endfor %}
      default: prod = {AccWidth{1'b0}};
    endcase
  end
{%- else %}

  // The integer value of every weight code, times the activation.
  reg signed [AccWidth-1:0] value;
  reg        [AccWidth-1:0] prod;
  always @(*) begin
    case (wcode_i)
{%- for e in cases %}
      {= e.code =}: value = {= e.value =};
{%- endfor %}
      default: value = {AccWidth{1'b0}};
    endcase
    prod = $unsigned(act_a * value);
  end
{%- endif %}

{%- if let Some(sat) = saturate %}

  // Saturating: the exact sum as a signed number one bit wider, compared with the bounds.
  reg  [AccWidth-1:0]        acc_q;
  wire signed [AccWidth:0]   start = clr_i ? {(AccWidth+1){1'b0}}
                                           : $signed({acc_q[AccWidth-1], acc_q});
  wire signed [AccWidth:0]   exact = start + $signed({prod[AccWidth-1], prod});
  wire        [AccWidth-1:0] next  = (exact > {= sat.max_wide =}) ? {= sat.max =} :
                                     (exact < {= sat.min_wide =}) ? {= sat.min =} : exact[AccWidth-1:0];

  // en_i: acc <= clamp((clr_i ? 0 : acc) + act * value); clr_i alone: acc <= 0.
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q <= {AccWidth{1'b0}};
    end else if (en_i) begin
      acc_q <= next;
{%- else %}

  // en_i: acc <= (clr_i ? 0 : acc) + act * value; clr_i alone: acc <= 0.
  reg  [AccWidth-1:0] acc_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q <= {AccWidth{1'b0}};
    end else if (en_i) begin
      acc_q <= (clr_i ? {AccWidth{1'b0}} : acc_q) + prod;
{%- endif %}
    end else if (clr_i) begin
      acc_q <= {AccWidth{1'b0}};
    end
  end

  assign acc_o = acc_q;
endmodule
{% include "partials/epilogue.v" %}
