//! Checks on the YAML text and tree before the typed parse: null fields, nesting depth, and
//! one-line error messages.

/// The first known field (in document order) whose value is null: `weights.zero`, `array`, ….
/// Unknown fields are left to the typed parse, which names them.
pub(super) fn null_field(tree: &serde_norway::Value) -> Option<&'static str> {
    use serde_norway::Value;
    const DOTTED: &[&str] = &[
        "name",
        "adder",
        "weights",
        "activations",
        "max_dot_length",
        "accumulator_bits",
        "accumulator",
        "array",
        "accelerator",
        "accelerator.batch",
        "accelerator.weight_words",
        "accelerator.act_words",
        "accelerator.bias_words",
        "accelerator.bias_bits",
        "accelerator.layers",
        "accelerator.image_words",
        "accelerator.out_tiles",
        "accelerator.psum_rows",
        "accelerator.conv",
        "accumulator.bits",
        "accumulator.overflow",
        "weights.format",
        "weights.bits",
        "weights.zero",
        "activations.bits",
        "activations.signed",
        "array.rows",
        "array.cols",
        "array.dataflow",
    ];
    let known = |path: &str| DOTTED.iter().copied().find(|f| *f == path);
    let Value::Mapping(top) = tree else {
        return None;
    };
    for (k, v) in top {
        let Some(key) = k.as_str() else { continue };
        let Some(name) = known(key) else { continue };
        match v {
            Value::Null => return Some(name),
            Value::Mapping(inner) => {
                for (k2, v2) in inner {
                    let Some(k2) = k2.as_str() else { continue };
                    if v2.is_null() {
                        if let Some(f) = known(&format!("{key}.{k2}")) {
                            return Some(f);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// How deeply a YAML text nests, counted cheaply without parsing: open flow brackets (`[`,
/// `{`) outside quotes and comments, plus the block levels of each line (distinct indentation
/// levels and `- ` sequence markers). It never counts fewer levels than there are; it may
/// count a few more, which only matters far above any real config.
pub(crate) fn nesting_depth(text: &str) -> usize {
    let mut deepest = 0;
    let mut flow: usize = 0;
    let mut indents: Vec<usize> = Vec::new();
    let mut in_double = false;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        if !in_double && flow == 0 && !body.is_empty() && !body.starts_with('#') {
            while indents.last().is_some_and(|&i| i > indent) {
                indents.pop();
            }
            if indents.last() != Some(&indent) {
                indents.push(indent);
            }
        }
        let mut dashes = 0;
        let mut rest = body;
        while let Some(r) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("-\t")) {
            dashes += 1;
            rest = r.trim_start();
        }
        let mut prev = ' ';
        let mut in_single = false;
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if in_double {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => in_double = false,
                    _ => {}
                }
            } else if in_single {
                in_single = c != '\'';
            } else {
                match c {
                    '#' if prev.is_whitespace() => break,
                    '"' => in_double = true,
                    '\'' if " \t[{,:".contains(prev) => in_single = true,
                    '[' | '{' => {
                        flow += 1;
                        deepest = deepest.max(flow + indents.len() + dashes);
                    }
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                }
            }
            prev = c;
        }
        deepest = deepest.max(flow + indents.len() + dashes);
    }
    deepest
}

/// An error message on one line: text quoted from the document (a key or value with line
/// breaks or other control characters) is escaped (`\n`), so every error is one line.
pub(super) fn one_line(message: &str) -> String {
    message
        .chars()
        .map(|c| match c {
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}
