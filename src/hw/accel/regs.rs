//! The accelerator's AXI4-Lite register map (`docs/guide/03-accelerator.md#host-interface`):
//! one table that the control module's template, the SystemRDL description, the C header and
//! the testbench all read, so they cannot disagree. The first four registers are the
//! Vitis/XRT kernel control map; user registers start at 0x10.

/// How the host may access a register or field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Ro,
    /// Read and write.
    Rw,
    /// Write only (reads return 0).
    Wo,
    /// Read; writing 1 to a bit clears it.
    W1c,
    /// Read; writing 1 to a bit toggles it (XRT's interrupt status).
    Tow,
    /// Read; the hardware clears it when read (XRT's ap_done, ap_ready).
    Rc,
}

impl Access {
    /// SystemRDL `sw` property.
    pub fn rdl_sw(self) -> &'static str {
        match self {
            Access::Ro | Access::Rc => "r",
            Access::Rw | Access::W1c | Access::Tow => "rw",
            Access::Wo => "w",
        }
    }

    /// Short name for tables: RO, RW, WO, W1C, TOW, RC.
    pub fn name(self) -> &'static str {
        match self {
            Access::Ro => "RO",
            Access::Rw => "RW",
            Access::Wo => "WO",
            Access::W1c => "W1C",
            Access::Tow => "TOW",
            Access::Rc => "RC",
        }
    }

    /// One line on what it means, for references.
    pub fn meaning(self) -> &'static str {
        match self {
            Access::Ro => "read only",
            Access::Rw => "read and write",
            Access::Wo => "write only (reads return 0)",
            Access::W1c => "read; writing 1 to a bit clears it",
            Access::Tow => "read; writing 1 to a bit toggles it",
            Access::Rc => "read; the hardware clears it when read",
        }
    }

    /// Every access kind, in the order [`Access::name`] lists them.
    pub const ALL: [Access; 6] = [
        Access::Ro,
        Access::Rw,
        Access::Wo,
        Access::W1c,
        Access::Tow,
        Access::Rc,
    ];
}

/// One field of a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// Lowest bit.
    pub lsb: u32,
    /// Bits.
    pub width: u32,
    pub access: Access,
    pub desc: &'static str,
}

/// One 32-bit register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reg {
    pub name: &'static str,
    pub offset: u32,
    pub desc: &'static str,
    pub fields: &'static [Field],
}

impl Field {
    /// Highest bit.
    pub fn msb(&self) -> u32 {
        self.lsb + self.width - 1
    }

    /// The field's bits in place in the register.
    pub fn mask(&self) -> u32 {
        // Widths are 1..=32 (checked by the tests below), so the shift stays in u64.
        (((1u64 << self.width) - 1) << self.lsb) as u32
    }

    /// What the field reads for the configuration value `value`: its low `width` bits. Only
    /// HWCFG0's `wbits` and `abits` can be too narrow (16-bit weights or activations read 0).
    pub fn encode(&self, value: u32) -> u32 {
        value & (self.mask() >> self.lsb)
    }
}

impl Reg {
    /// The field called `name`.
    ///
    /// # Panics
    /// If there is none.
    pub fn field(&self, name: &str) -> &'static Field {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field {}.{name}", self.name))
    }
}

const fn f(name: &'static str, lsb: u32, width: u32, access: Access, desc: &'static str) -> Field {
    Field {
        name,
        lsb,
        width,
        access,
        desc,
    }
}

/// Value of the ID register: "potm" in ASCII.
pub const ID: u32 = 0x706f_746d;
/// Register-map version (major << 16 | minor).
pub const VERSION: u32 = 0x0001_0000;
/// Address bits of the AXI4-Lite slave (a 4 KiB window).
pub const AXI_ADDR_BITS: u32 = 12;

/// Values of MEM_ADDR's `select`: the memory a MEM_DATA word goes to.
pub const MEM_SELECT: &[(&str, u32)] = &[("program", 0), ("weights", 1), ("biases", 2)];

/// Error bits (register ERROR): bit number and meaning. Bits 0-2 are checked when a run is
/// started and bits 3-6 before every pass (the sequencer reads the program): either ends the
/// run (`ap_done` with ISR.error) before a pass computes anything. Bits 7-11 flag refused or
/// lost transfers; the run goes on.
pub const ERRORS: &[(&str, u32, &str)] = &[
    ("batch", 0, "BATCH is 0 or above the configured batch"),
    ("images", 1, "IMAGES is 0"),
    (
        "image_words",
        2,
        "IMAGE_WORDS is 0, or IMAGE_WORDS x BATCH is above the activation buffer",
    ),
    ("k_tiles", 3, "a descriptor has k_tiles = 0"),
    (
        "n_tiles",
        4,
        "a descriptor has n_tiles = 0 or n outside (n_tiles-1)*C+1 .. n_tiles*C",
    ),
    (
        "no_last",
        5,
        "the program memory holds no descriptor with `last` set",
    ),
    (
        "out_tiles",
        6,
        "the last layer has more N-tiles than the output buffer holds (the class fields' range too)",
    ),
    (
        "mem_range",
        7,
        "a memory write beyond the selected memory (or an unknown memory select)",
    ),
    (
        "mem_busy",
        8,
        "a memory write while a run is in progress (dropped)",
    ),
    (
        "framing",
        9,
        "an input beat's TLAST disagrees with the image's last word",
    ),
    (
        "overflow",
        10,
        "trace mode: an output record found the output buffer full (dropped)",
    ),
    (
        "reg_busy",
        11,
        "BATCH, IMAGES, IMAGE_WORDS or OPTIONS written while a run is in progress (ignored)",
    ),
];

use Access::*;

/// The register map, in address order.
pub const MAP: &[Reg] = &[
    Reg {
        name: "CTRL",
        offset: 0x00,
        desc: "Kernel control (Vitis/XRT ap_ctrl_hs map).",
        fields: &[
            f(
                "ap_start",
                0,
                1,
                Rw,
                "Write 1 to start a run; reads 1 until the run is accepted.",
            ),
            f(
                "ap_done",
                1,
                1,
                Rc,
                "The run finished (its last output record left); cleared when read.",
            ),
            f("ap_idle", 2, 1, Ro, "No run in progress."),
            f(
                "ap_ready",
                3,
                1,
                Rc,
                "The run was accepted; cleared when read.",
            ),
            f(
                "auto_restart",
                7,
                1,
                Rw,
                "Start the next run by itself when one finishes.",
            ),
        ],
    },
    Reg {
        name: "GIE",
        offset: 0x04,
        desc: "Global interrupt enable.",
        fields: &[f(
            "enable",
            0,
            1,
            Rw,
            "irq_o follows the enabled status bits.",
        )],
    },
    Reg {
        name: "IER",
        offset: 0x08,
        desc: "Interrupt enable.",
        fields: &[
            f("done", 0, 1, Rw, "Interrupt when a run finishes."),
            f("error", 1, 1, Rw, "Interrupt when an error bit is set."),
        ],
    },
    Reg {
        name: "ISR",
        offset: 0x0c,
        desc: "Interrupt status; writing 1 toggles a bit (write the value read to clear).",
        fields: &[
            f("done", 0, 1, Tow, "A run finished."),
            f("error", 1, 1, Tow, "An error bit was set."),
        ],
    },
    Reg {
        name: "ID",
        offset: 0x10,
        desc: "Identification: 0x706f746d (\"potm\").",
        fields: &[f("id", 0, 32, Ro, "0x706f746d.")],
    },
    Reg {
        name: "VERSION",
        offset: 0x14,
        desc: "Register-map version.",
        fields: &[
            f("minor", 0, 16, Ro, "Minor version."),
            f("major", 16, 16, Ro, "Major version."),
        ],
    },
    Reg {
        name: "HWCFG0",
        offset: 0x18,
        desc: "Hardware configuration: the array and its formats.",
        fields: &[
            f("rows", 0, 8, Ro, "Array rows R."),
            f("cols", 8, 8, Ro, "Array columns C (= R)."),
            f(
                "dataflow",
                16,
                1,
                Ro,
                "0 weight-stationary, 1 output-stationary.",
            ),
            f(
                "wkind",
                17,
                3,
                Ro,
                "Weight format: 0 uniform, 1 PoT, 2 APoT.",
            ),
            f("wbits", 20, 4, Ro, "Weight code bits (0 stands for 16)."),
            f("abits", 24, 4, Ro, "Activation bits (0 stands for 16)."),
        ],
    },
    Reg {
        name: "HWCFG1",
        offset: 0x1c,
        desc: "Hardware configuration: sizes.",
        fields: &[
            f("batch", 0, 16, Ro, "Largest BATCH."),
            f("layers", 16, 16, Ro, "Program memory words (layers)."),
        ],
    },
    Reg {
        name: "HWCFG2",
        offset: 0x20,
        desc: "Hardware configuration: widths.",
        fields: &[
            f("acc", 0, 8, Ro, "Accumulator bits."),
            f("sum", 8, 8, Ro, "Bits of a logit (post-op sum)."),
            f("bias", 16, 8, Ro, "Bias bits."),
            f(
                "out_tiles",
                24,
                8,
                Ro,
                "Logit N-tiles per image the output buffer holds.",
            ),
        ],
    },
    Reg {
        name: "WEIGHT_WORDS",
        offset: 0x24,
        desc: "Weight memory depth (words of C codes).",
        fields: &[f("words", 0, 32, Ro, "Words.")],
    },
    Reg {
        name: "ACT_WORDS",
        offset: 0x28,
        desc: "Activation buffer words (C activations each) an input half holds: ws needs \
               IMAGE_WORDS x BATCH, os IMAGE_WORDS x ceil(BATCH/C) x C.",
        fields: &[f("words", 0, 32, Ro, "Words.")],
    },
    Reg {
        name: "BIAS_WORDS",
        offset: 0x2c,
        desc: "Bias memory depth (words of C biases, each with its M and S).",
        fields: &[f("words", 0, 32, Ro, "Words.")],
    },
    Reg {
        name: "BATCH",
        offset: 0x30,
        desc: "Images per pass (1 .. HWCFG1.batch).",
        fields: &[f("batch", 0, 16, Rw, "Images per pass.")],
    },
    Reg {
        name: "IMAGES",
        offset: 0x34,
        desc: "Images in a run (passes of BATCH, the last one smaller).",
        fields: &[f("images", 0, 32, Rw, "Images.")],
    },
    Reg {
        name: "IMAGE_WORDS",
        offset: 0x38,
        desc: "Input-stream beats per image (words of C activations).",
        fields: &[f("words", 0, 16, Rw, "Beats per image.")],
    },
    Reg {
        name: "OPTIONS",
        offset: 0x3c,
        desc: "Output stream options.",
        fields: &[
            f(
                "logits",
                0,
                1,
                Rw,
                "Send every last-layer row, not only the rows that carry a class.",
            ),
            f(
                "trace",
                1,
                1,
                Rw,
                "Send every layer's rows (debugging; the consumer must keep up).",
            ),
        ],
    },
    Reg {
        name: "ERROR",
        offset: 0x40,
        desc: "Sticky error bits (see ERRORS); writing 1 clears a bit.",
        fields: &[f("bits", 0, 12, W1c, "Error bits.")],
    },
    Reg {
        name: "MEM_ADDR",
        offset: 0x44,
        desc: "Memory write address: select and word (increments after each word).",
        fields: &[
            f("word", 0, 24, Rw, "Word address."),
            f("select", 28, 2, Rw, "0 program, 1 weights, 2 biases."),
        ],
    },
    Reg {
        name: "MEM_DATA",
        offset: 0x48,
        desc: "Memory write data: a word's 32-bit chunks, least significant first; the word is \
               written after MEM_CHUNKS chunks.",
        fields: &[f("chunk", 0, 32, Wo, "Chunk.")],
    },
    Reg {
        name: "MEM_CHUNKS",
        offset: 0x4c,
        desc: "32-bit chunks per word of each memory.",
        fields: &[
            f("program", 0, 8, Ro, "Program memory."),
            f("weights", 8, 8, Ro, "Weight memory."),
            f("biases", 16, 8, Ro, "Bias memory."),
        ],
    },
    Reg {
        name: "STATUS",
        offset: 0x50,
        desc: "Run status.",
        fields: &[
            f("run", 0, 1, Ro, "A run is in progress."),
            f("pass", 1, 1, Ro, "A pass is computing."),
            f("full0", 2, 1, Ro, "Input half 0 holds a batch."),
            f("full1", 3, 1, Ro, "Input half 1 holds a batch."),
        ],
    },
    Reg {
        name: "RUN_CYCLES",
        offset: 0x54,
        desc: "Cycles from ap_start to ap_done of the last run.",
        fields: &[f("cycles", 0, 32, Ro, "Cycles.")],
    },
    Reg {
        name: "BUSY_CYCLES",
        offset: 0x58,
        desc: "Cycles of the last run in which a pass was computing.",
        fields: &[f("cycles", 0, 32, Ro, "Cycles.")],
    },
    Reg {
        name: "STALL_IN",
        offset: 0x5c,
        desc: "Cycles of the last run with no pass computing and the next batch not yet loaded.",
        fields: &[f("cycles", 0, 32, Ro, "Cycles.")],
    },
    Reg {
        name: "STALL_OUT",
        offset: 0x60,
        desc: "Cycles of the last run a pass waited for the output buffer to empty.",
        fields: &[f("cycles", 0, 32, Ro, "Cycles.")],
    },
    Reg {
        name: "PASSES",
        offset: 0x64,
        desc: "Passes finished in the last run.",
        fields: &[f("passes", 0, 32, Ro, "Passes.")],
    },
];

/// The register called `name`.
///
/// # Panics
/// If there is none.
pub fn reg(name: &str) -> &'static Reg {
    MAP.iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no register {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_is_well_formed() {
        let mut last = None;
        for r in MAP {
            assert_eq!(r.offset % 4, 0, "{}", r.name);
            assert!(last.is_none_or(|l| r.offset > l), "{} out of order", r.name);
            last = Some(r.offset);
            let mut used = 0u64;
            for x in r.fields {
                assert!(
                    x.width >= 1 && x.lsb + x.width <= 32,
                    "{}.{}",
                    r.name,
                    x.name
                );
                let m = ((1u64 << x.width) - 1) << x.lsb;
                assert_eq!(used & m, 0, "{}.{} overlaps", r.name, x.name);
                used |= m;
            }
        }
        assert_eq!(reg("CTRL").offset, 0);
        assert_eq!(reg("ISR").offset, 0x0c);
        assert_eq!(reg("ID").offset, 0x10);
        assert!(MAP.last().unwrap().offset < 1 << AXI_ADDR_BITS);
        assert_eq!(reg("ERROR").fields[0].width as usize, ERRORS.len());
        for (i, e) in ERRORS.iter().enumerate() {
            assert_eq!(e.1 as usize, i);
        }
    }
}
