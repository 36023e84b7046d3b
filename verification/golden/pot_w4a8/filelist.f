rtl/pot_w4a8_mac.v
