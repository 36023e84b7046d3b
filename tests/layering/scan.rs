//! Reading one source file for the layering test: blank out comments and string / char
//! literals, split the rest into tokens, and collect the file's module references (`use`
//! trees, `crate::` / `super::` / `self::` paths, paths through a `mod.rs`'s own submodules)
//! with the inline module they sit in, skipping `#[cfg(test)]` items.

/// A module path, `["hw", "array"]` for `crate::hw::array`.
pub type ModPath = Vec<String>;

/// At a raw string's start (`r"`, `r#"`, `br"`, …): the prefix length and the `#` count.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let prefix = match (c.get(i), c.get(i + 1)) {
        (Some('r'), _) => 1,
        (Some('b'), Some('r')) => 2,
        _ => return None,
    };
    let hashes = c[i + prefix..].iter().take_while(|&&h| h == '#').count();
    (c.get(i + prefix + hashes) == Some(&'"')).then_some((prefix, hashes))
}

/// Blank out comments and string / char literals (newlines kept, so lines still count).
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, s: &[char]| {
        for &ch in s {
            out.push(if ch == '\n' { '\n' } else { ' ' });
        }
    };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let at = |i: usize, k: usize| c.get(i + k).copied().unwrap_or('\0');
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && ident(c[i - 1]);

        let start = i;
        if c[i] == '/' && at(i, 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && at(i, 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i, 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i, 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some((prefix, hashes)) = raw_string_start(&c, i).filter(|_| !prev_ident) {
            // Raw string: r"…", r#"…"#, br"…".
            i += prefix + hashes + 1;
            while i < c.len() {
                if c[i] == '"' && (1..=hashes).all(|h| c.get(i + h) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
        } else if c[i] == '"' || (!prev_ident && c[i] == 'b' && at(i, 1) == '"') {
            i += if c[i] == 'b' { 2 } else { 1 };
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c[i] == '\'' && at(i, 1) == '\\' {
            // Escaped char literal: '\n', '\'', '\u{…}'.
            i += 3;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && at(i, 2) == '\'' {
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        }
        let end = i.min(c.len());
        blank(&mut out, &c[start..end]);
        i = end;
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
}

/// Tokens with their line numbers.
fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_ascii_alphabetic() || ch == '_' {
            let s = i;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[s..i].iter().collect()), line));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Punct('0'), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push((Tok::Sep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// One `use` entry: its path (possibly ending in `self` or `*`) and the name it binds.
#[derive(Debug, Clone)]
pub struct UseEntry {
    pub segs: Vec<String>,
    pub alias: Option<String>,
}

/// A reference found in one file.
#[derive(Debug, Clone)]
pub struct Ref {
    /// Module the reference is written in (the file's module plus any inline `mod`).
    pub scope: ModPath,
    pub line: usize,
    /// `use` declaration entries, or one plain path.
    pub uses: Vec<UseEntry>,
    /// A `pub use` (or `pub(…) use`): a re-export.
    pub is_pub: bool,
}

#[derive(Debug)]
pub struct Parsed {
    pub file: String,
    pub module: ModPath,
    pub refs: Vec<Ref>,
    pub inline_mods: Vec<ModPath>,
    pub test_only_mods: Vec<ModPath>,
}

fn ident(t: Option<&(Tok, usize)>) -> Option<&str> {
    match t {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

fn is_punct(t: Option<&(Tok, usize)>, ch: char) -> bool {
    matches!(t, Some((Tok::Punct(p), _)) if *p == ch)
}

/// Index just past the bracket group opening at `i` (`(`, `[` or `{`).
fn skip_group(toks: &[(Tok, usize)], mut i: usize) -> usize {
    let mut depth = 0i32;
    while i < toks.len() {
        match toks[i].0 {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Index just past the item starting at `i`: up to a `;` or through its `{ … }` body.
fn skip_item(toks: &[(Tok, usize)], mut i: usize) -> usize {
    while i < toks.len() {
        match toks[i].0 {
            Tok::Punct(';') => return i + 1,
            Tok::Punct('{') => return skip_group(toks, i),
            Tok::Punct('(' | '[') => i = skip_group(toks, i),
            _ => i += 1,
        }
    }
    i
}

/// Parse a `use` tree starting at `i` with `prefix`; returns the index after it.
fn use_tree(
    toks: &[(Tok, usize)],
    mut i: usize,
    prefix: Vec<String>,
    out: &mut Vec<UseEntry>,
) -> usize {
    let mut segs = prefix;
    if matches!(toks.get(i), Some((Tok::Sep, _))) {
        i += 1;
    }
    loop {
        match toks.get(i) {
            Some((Tok::Punct('{'), _)) => {
                i += 1;
                loop {
                    if is_punct(toks.get(i), '}') {
                        return i + 1;
                    }
                    i = use_tree(toks, i, segs.clone(), out);
                    if is_punct(toks.get(i), ',') {
                        i += 1;
                    }
                    if i >= toks.len() {
                        return i;
                    }
                }
            }
            Some((Tok::Punct('*'), _)) => {
                segs.push("*".into());
                out.push(UseEntry { segs, alias: None });
                return i + 1;
            }
            Some((Tok::Ident(name), _)) => {
                segs.push(name.clone());
                i += 1;
                if matches!(toks.get(i), Some((Tok::Sep, _))) {
                    i += 1;
                    continue;
                }
                let mut alias = None;
                if ident(toks.get(i)) == Some("as") {
                    alias = ident(toks.get(i + 1)).map(str::to_string);
                    i += 2;
                }
                out.push(UseEntry { segs, alias });
                return i;
            }
            _ => return i,
        }
    }
}

/// Whether `toks[i..]` is `#[cfg(test)]`.
fn is_cfg_test(toks: &[(Tok, usize)], i: usize) -> bool {
    let want = [
        Tok::Punct('#'),
        Tok::Punct('['),
        Tok::Ident("cfg".into()),
        Tok::Punct('('),
        Tok::Ident("test".into()),
        Tok::Punct(')'),
        Tok::Punct(']'),
    ];
    toks.len() >= i + want.len() && toks[i..i + want.len()].iter().map(|t| &t.0).eq(want.iter())
}

/// The module path of a file under `src/` (`hw/array/mod.rs` → `hw::array`).
fn module_of(file: &str) -> ModPath {
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let mut m: ModPath = stem.split('/').map(str::to_string).collect();
    if matches!(m.last().map(String::as_str), Some("mod" | "lib")) {
        m.pop();
    }
    m
}

pub fn parse(file: &str, src: &str) -> Parsed {
    let module = module_of(file);
    let toks = tokens(&strip(src));
    let mut refs = Vec::new();
    let mut inline_mods = Vec::new();
    let mut test_only_mods = Vec::new();
    let mut stack: Vec<(String, i32)> = Vec::new();
    let mut depth = 0i32;
    let scope = |stack: &[(String, i32)]| -> ModPath {
        let mut s = module.clone();
        s.extend(stack.iter().map(|(n, _)| n.clone()));
        s
    };
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i].0;
        let prev = i.checked_sub(1).map(|p| &toks[p].0);
        match t {
            Tok::Punct('#') if is_cfg_test(&toks, i) => {
                let mut j = i + 7;
                while is_punct(toks.get(j), '#') {
                    j = skip_group(&toks, j + 1);
                }
                let k = if ident(toks.get(j)) == Some("pub") {
                    j + 1
                } else {
                    j
                };
                if ident(toks.get(k)) == Some("mod") && is_punct(toks.get(k + 2), ';') {
                    if let Some(name) = ident(toks.get(k + 1)) {
                        let mut m = scope(&stack);
                        m.push(name.to_string());
                        test_only_mods.push(m);
                    }
                }
                i = skip_item(&toks, j);
                continue;
            }
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if stack.last().is_some_and(|(_, d)| *d == depth) {
                    stack.pop();
                }
                depth -= 1;
            }
            Tok::Ident(kw) if kw == "mod" && is_punct(toks.get(i + 2), '{') => {
                if let Some(name) = ident(toks.get(i + 1)) {
                    stack.push((name.to_string(), depth + 1));
                    inline_mods.push(scope(&stack));
                }
                i += 2;
                continue;
            }
            Tok::Ident(kw) if kw == "use" => {
                let is_pub = match prev {
                    Some(Tok::Ident(p)) => p == "pub",
                    Some(Tok::Punct(')')) => {
                        let mut j = i - 1;
                        while j > 0 && !is_punct(toks.get(j), '(') {
                            j -= 1;
                        }
                        j > 0 && ident(toks.get(j - 1)) == Some("pub")
                    }
                    _ => false,
                };
                let mut uses = Vec::new();
                let end = use_tree(&toks, i + 1, Vec::new(), &mut uses);
                refs.push(Ref {
                    scope: scope(&stack),
                    line: toks[i].1,
                    uses,
                    is_pub,
                });
                i = end;
                continue;
            }
            Tok::Ident(first)
                if matches!(toks.get(i + 1), Some((Tok::Sep, _)))
                    && !matches!(prev, Some(Tok::Sep | Tok::Punct('$'))) =>
            {
                let mut segs = vec![first.clone()];
                let mut j = i + 1;
                while matches!(toks.get(j), Some((Tok::Sep, _))) {
                    match ident(toks.get(j + 1)) {
                        Some(s) => segs.push(s.to_string()),
                        None => break,
                    }
                    j += 2;
                }
                refs.push(Ref {
                    scope: scope(&stack),
                    line: toks[i].1,
                    uses: vec![UseEntry { segs, alias: None }],
                    is_pub: false,
                });
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Parsed {
        file: file.to_string(),
        module,
        refs,
        inline_mods,
        test_only_mods,
    }
}
