rtl/uniform_w4a8_mac.v
