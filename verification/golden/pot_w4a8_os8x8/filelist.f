rtl/pot_w4a8_os8x8_mac.v
rtl/pot_w4a8_os8x8_delay.v
rtl/pot_w4a8_os8x8_pe.v
rtl/pot_w4a8_os8x8_mesh.v
rtl/pot_w4a8_os8x8_array.v
