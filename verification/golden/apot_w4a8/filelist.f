rtl/apot_w4a8_mac.v
