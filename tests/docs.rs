//! The documentation is checked like code:
//!
//! - `docs/reference/cli.md` is generated from the clap definitions (every subcommand's about,
//!   usage and arguments with their flags, value names, defaults, possible values and help);
//!   a difference fails with the command that regenerates it,
//!   `POTMAC_BLESS=1 cargo test --test docs`;
//! - `docs/reference/registers.md` is generated from the accelerator's register map
//!   (`potmac::emit::regmap::reference_markdown`, from `src/hw/accel/regs.rs`), checked and
//!   blessed the same way;
//! - every relative link in README.md, FAQ.md, CONTRIBUTING.md and docs/**/*.md points to a
//!   file that exists (and, for `#anchor` links into Markdown, to a heading that exists);
//! - README.md stays at most 200 lines;
//! - the README's tour (the ```sh block after the heading `## Tour`) runs: each line with
//!   `potmac` replaced by the binary under test, in a scratch folder, must exit 0.

mod common;

use clap::builder::{Arg, Command};
use clap::CommandFactory;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The generated CLI reference, relative to the repository root.
const CLI_MD: &str = "docs/reference/cli.md";
/// The generated register-map reference, relative to the repository root.
const REGISTERS_MD: &str = "docs/reference/registers.md";
/// How to regenerate them.
const BLESS: &str = "POTMAC_BLESS=1 cargo test --test docs";
/// The README's length limit, in lines.
const README_MAX_LINES: usize = 200;

// ---------------------------------------------------------------------------------------
// The CLI reference

/// `<` and `>` outside code spans escaped, so `<tensor>.npy` in a help text stays visible in
/// rendered Markdown.
fn md_text(s: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("\\<"),
            '>' if !in_code => out.push_str("\\>"),
            _ => out.push(c),
        }
    }
    out
}

/// The value placeholder of an argument: its value names, or its id in capitals.
fn value_names(a: &Arg) -> Vec<String> {
    match a.get_value_names() {
        Some(v) if !v.is_empty() => v.iter().map(|n| n.to_string()).collect(),
        _ => vec![a.get_id().as_str().to_uppercase()],
    }
}

/// Whether an argument takes more than one value (`CONFIG...`).
fn is_multiple(a: &Arg) -> bool {
    a.get_num_args().is_some_and(|r| r.max_values() > 1)
        || matches!(a.get_action(), clap::ArgAction::Append)
}

/// How an argument is written: `<CONFIG>...`, `-q, --quiet`, `--sim <SIM>`.
fn arg_spelling(a: &Arg) -> String {
    let dots = if is_multiple(a) { "..." } else { "" };
    let placeholder = value_names(a)
        .iter()
        .map(|n| format!("<{n}>"))
        .collect::<Vec<_>>()
        .join(" ");
    if a.is_positional() {
        return format!("{placeholder}{dots}");
    }
    let mut s = String::new();
    if let Some(c) = a.get_short() {
        write!(s, "-{c}").unwrap();
    }
    if let Some(l) = a.get_long() {
        if !s.is_empty() {
            s.push_str(", ");
        }
        write!(s, "--{l}").unwrap();
    }
    if a.get_action().takes_values() {
        write!(s, " {placeholder}{dots}").unwrap();
    }
    s
}

/// One argument as a Markdown list item.
fn arg_item(md: &mut String, a: &Arg) {
    write!(md, "- `{}`", arg_spelling(a)).unwrap();
    if a.is_positional() && a.is_required_set() {
        md.push_str(" (required)");
    }
    let help = a
        .get_long_help()
        .or_else(|| a.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let help = help.trim();
    if !help.is_empty() {
        md.push_str(": ");
        let lines: Vec<String> = help.lines().map(md_text).collect();
        md.push_str(&lines.join("\n  "));
    }
    md.push('\n');
    if a.get_action().takes_values() {
        let defaults: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() {
            writeln!(md, "  Default: `{}`.", defaults.join(",")).unwrap();
        }
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| match p.get_help() {
                Some(h) => format!("`{}` ({})", p.get_name(), md_text(&h.to_string())),
                None => format!("`{}`", p.get_name()),
            })
            .collect();
        if !values.is_empty() {
            writeln!(md, "  Values: {}.", values.join(", ")).unwrap();
        }
    }
}

/// Whether an argument is listed: not hidden, not clap's own `--help` / `--version`.
fn listed(a: &Arg) -> bool {
    !a.is_hide_set() && !matches!(a.get_id().as_str(), "help" | "version")
}

/// One command's section: about, usage, arguments, options, text after the help.
fn command_section(md: &mut String, cmd: &Command, title: &str, globals_too: bool) {
    writeln!(md, "## `{title}`\n").unwrap();
    if let Some(about) = cmd.get_long_about().or_else(|| cmd.get_about()) {
        writeln!(md, "{}\n", md_text(about.to_string().trim())).unwrap();
    }
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    writeln!(md, "```text\n{usage}\n```\n").unwrap();
    let args: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|a| listed(a) && (globals_too || !a.is_global_set()))
        .collect();
    let positionals: Vec<&Arg> = args.iter().copied().filter(|a| a.is_positional()).collect();
    let options: Vec<&Arg> = args
        .iter()
        .copied()
        .filter(|a| !a.is_positional())
        .collect();
    if !positionals.is_empty() {
        md.push_str("Arguments:\n\n");
        for a in positionals {
            arg_item(md, a);
        }
        md.push('\n');
    }
    if !options.is_empty() {
        md.push_str("Options:\n\n");
        for a in options {
            arg_item(md, a);
        }
        md.push('\n');
    }
    if let Some(after) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) {
        writeln!(md, "{}\n", md_text(after.to_string().trim())).unwrap();
    }
}

/// The whole reference, deterministic: no version, no paths, no terminal width.
fn cli_markdown() -> String {
    let mut cmd = potmac::cli::Cli::command();
    cmd.build();
    let subs: Vec<&Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .collect();
    let mut md = String::new();
    md.push_str("# Command-line reference\n\n");
    md.push_str(
        "<!-- Generated by tests/docs.rs from the clap definitions in src/cli; do not edit. -->\n\n",
    );
    writeln!(
        md,
        "Generated from the clap definitions in `src/cli` by `tests/docs.rs`, which fails when \
         this file is out of date; regenerate it with `{BLESS}`. The same definitions give \
         `potmac --help`, `potmac man` and the shell completions. Exit codes, streams and \
         output formats: [exit-codes.md](exit-codes.md), [cli-conventions.md](cli-conventions.md).\n"
    )
    .unwrap();
    for s in &subs {
        let anchor = format!("potmac-{}", s.get_name());
        writeln!(
            md,
            "- [`potmac {}`](#{anchor}): {}",
            s.get_name(),
            md_text(
                s.get_about()
                    .map(|a| a.to_string())
                    .unwrap_or_default()
                    .trim()
            )
        )
        .unwrap();
    }
    md.push('\n');
    command_section(&mut md, &cmd, "potmac", true);
    for s in &subs {
        command_section(&mut md, s, &format!("potmac {}", s.get_name()), false);
    }
    while md.ends_with("\n\n") {
        md.pop();
    }
    md
}

#[test]
fn cli_reference_is_current() {
    generated_page_is_current(CLI_MD, "the clap definitions", &cli_markdown());
}

#[test]
fn register_reference_is_current() {
    generated_page_is_current(
        REGISTERS_MD,
        "src/hw/accel/regs.rs",
        &potmac::emit::regmap::reference_markdown(),
    );
}

/// Compare the committed page `rel` with `want` (made from `source`), or write it when
/// blessing.
fn generated_page_is_current(rel: &str, source: &str, want: &str) {
    let path = common::root().join(rel);
    if std::env::var_os("POTMAC_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, want).unwrap();
        eprintln!("wrote {rel}");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let first = have
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| have.lines().count().min(want.lines().count()));
        panic!(
            "{rel} is not what {source} gives (first difference at line {}: \
             file {:?}, generated {:?}); run `{BLESS}` and commit the result",
            first + 1,
            have.lines().nth(first).unwrap_or("<end of file>"),
            want.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn cli_reference_covers_every_subcommand() {
    let md = cli_markdown();
    for s in potmac::cli::Cli::command().get_subcommands() {
        assert!(
            md.contains(&format!("## `potmac {}`", s.get_name())),
            "no section for {}",
            s.get_name()
        );
    }
    assert!(!md.contains(env!("CARGO_MANIFEST_DIR")), "absolute path");
}

// ---------------------------------------------------------------------------------------
// Links

/// README.md, FAQ.md, CONTRIBUTING.md and every Markdown file under docs/.
fn doc_files() -> Vec<PathBuf> {
    let root = common::root();
    let mut files: Vec<PathBuf> = ["README.md", "FAQ.md", "CONTRIBUTING.md"]
        .iter()
        .map(|f| root.join(f))
        .collect();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md") {
                out.push(p);
            }
        }
    }
    walk(&root.join("docs"), &mut files);
    files
}

/// The text outside fenced code blocks, with code spans blanked, line by line.
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(f) = &fence {
            if t.starts_with(f.as_str()) {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            let marker: String = t.chars().take_while(|c| *c == '`' || *c == '~').collect();
            fence = Some(marker);
            continue;
        }
        // Blank code spans (so `a](b)` in code is not a link).
        let mut s = String::new();
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
                s.push(' ');
            } else if in_code {
                s.push(' ');
            } else {
                s.push(c);
            }
        }
        out.push((i + 1, s));
    }
    out
}

/// Link targets `[text](target)` / `![alt](target)` of one line.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        let mut t = after[..end].trim();
        if let Some(sp) = t.find(' ') {
            t = &t[..sp]; // a title: (file "title")
        }
        out.push(t.trim_matches(|c| c == '<' || c == '>').to_string());
        rest = &after[end..];
    }
    out
}

/// GitHub's anchors for the headings of a Markdown text.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut out = BTreeSet::new();
    let mut fence = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = !fence;
            continue;
        }
        if fence || !t.starts_with('#') {
            continue;
        }
        let title = t.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| {
                if c == ' ' {
                    Some('-')
                } else if c.is_alphanumeric() || c == '-' || c == '_' {
                    Some(c)
                } else {
                    None
                }
            })
            .collect();
        let mut s = slug.clone();
        let mut n = 0;
        while seen.contains(&s) {
            n += 1;
            s = format!("{slug}-{n}");
        }
        seen.insert(s.clone());
        out.insert(s);
    }
    out
}

#[test]
fn relative_links_point_to_existing_files() {
    let root = common::root();
    let mut bad = Vec::new();
    let mut checked = 0;
    for file in doc_files() {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let rel = file.strip_prefix(&root).unwrap().display().to_string();
        for (n, line) in prose_lines(&text) {
            for target in link_targets(&line) {
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let dest = if path.is_empty() {
                    file.clone()
                } else {
                    file.parent().unwrap().join(path)
                };
                if !dest.exists() {
                    bad.push(format!("{rel}:{n}: `{target}`: no such file"));
                    continue;
                }
                if let Some(a) = anchor {
                    if dest.extension().is_some_and(|e| e == "md") {
                        let t = std::fs::read_to_string(&dest).unwrap();
                        if !anchors(&t).contains(a) {
                            bad.push(format!("{rel}:{n}: `{target}`: no heading `#{a}`"));
                        }
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "broken links:\n{}", bad.join("\n"));
    assert!(
        checked > 50,
        "only {checked} links found: is the parser broken?"
    );
}

#[test]
fn readme_is_short() {
    let text = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let n = text.lines().count();
    assert!(
        n <= README_MAX_LINES,
        "README.md has {n} lines, at most {README_MAX_LINES}: move detail into docs/"
    );
}

#[test]
fn link_parsing_and_anchors() {
    assert_eq!(
        link_targets("see [a](x.md#y) and ![p](img.svg \"t\") and [c](<d e.md>)"),
        ["x.md#y", "img.svg", "d"]
    );
    let a = anchors("# potmac\n## The paper's comparison, reproduced\n```\n# not\n```\n## `potmac sim`\n## Tour\n## Tour\n");
    for want in [
        "potmac",
        "the-papers-comparison-reproduced",
        "potmac-sim",
        "tour",
        "tour-1",
    ] {
        assert!(a.contains(want), "{want} in {a:?}");
    }
    assert!(!a.contains("not"));
    let p = prose_lines("a `[x](nope)` b\n```\n[y](nope)\n```\n[z](yes)");
    let links: Vec<String> = p.iter().flat_map(|(_, l)| link_targets(l)).collect();
    assert_eq!(links, ["yes"]);
}

// ---------------------------------------------------------------------------------------
// The tour

/// The commands of the README's tour: the first ```sh block after `## Tour`, with
/// backslash continuations joined; blank lines and comment lines skipped.
fn tour_commands(readme: &str) -> Vec<String> {
    let mut lines = readme.lines().skip_while(|l| l.trim() != "## Tour");
    assert!(lines.next().is_some(), "README.md has no `## Tour` heading");
    let mut lines = lines.skip_while(|l| l.trim() != "```sh");
    assert!(
        lines.next().is_some(),
        "no ```sh block after the README's `## Tour`"
    );
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in lines.take_while(|l| l.trim() != "```") {
        let t = line.trim();
        if cur.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if let Some(head) = t.strip_suffix('\\') {
            cur.push_str(head);
            cur.push(' ');
            continue;
        }
        cur.push_str(t);
        out.push(std::mem::take(&mut cur));
    }
    assert!(cur.is_empty(), "the tour ends inside a continued line");
    out
}

#[test]
fn tour_runs() {
    use potmac::tools::{icarus, yosys};
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let commands = tour_commands(&readme);
    assert_eq!(
        commands.len(),
        5,
        "the tour is five commands: {commands:#?}"
    );
    assert!(
        commands.iter().any(|c| c.starts_with("potmac import "))
            && commands.iter().any(|c| c.starts_with("potmac infer ")),
        "the tour shows import and infer: {commands:#?}"
    );
    if !common::have(&[icarus::IVERILOG, icarus::VVP, yosys::YOSYS]) {
        return;
    }
    // A scratch folder that looks like the repository root to the tour's relative paths.
    let dir = common::scratch("docs_tour");
    std::os::unix::fs::symlink(
        common::root().join("verification"),
        dir.join("verification"),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_potmac");
    let all = Instant::now();
    for c in &commands {
        let rest = c
            .strip_prefix("potmac ")
            .unwrap_or_else(|| panic!("a tour line that does not start with `potmac`: {c}"));
        let line = format!("'{bin}' {rest}");
        let t = Instant::now();
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(&*dir)
            .output()
            .unwrap();
        eprintln!("{:6.1} s  {c}", t.elapsed().as_secs_f64());
        assert!(
            o.status.success(),
            "tour command failed ({:?}): {c}\n--- stdout\n{}--- stderr\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    eprintln!("{:6.1} s  the whole tour", all.elapsed().as_secs_f64());
}
