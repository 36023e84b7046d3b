rtl/pot_w4a8_ws8x8_mac_psum.v
rtl/pot_w4a8_ws8x8_delay.v
rtl/pot_w4a8_ws8x8_pe.v
rtl/pot_w4a8_ws8x8_mesh.v
rtl/pot_w4a8_ws8x8_array.v
