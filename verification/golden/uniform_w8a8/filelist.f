rtl/uniform_w8a8_mac.v
