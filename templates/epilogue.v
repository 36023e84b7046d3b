
`default_nettype wire
