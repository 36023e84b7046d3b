//! Liberty Boolean functions (`function : "(!(A B))";`): parsing and evaluation, to recognise a
//! cell by what it computes rather than by its name (a library's NAND2 is `nand2_1` in one,
//! `NAND2X1` in another, and `nand2b_1`, which inverts an input, is not one).
//!
//! Operators, tightest first: inversion (`!A` or `A'`), XOR (`^`), AND (`&`, `*` or a
//! space), OR (`|`, `+`); parentheses group; `0` and `1` are constants.

/// A parsed function.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Const(bool),
    Var(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Xor(Box<Expr>, Box<Expr>),
}

/// Tokens of a function.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Op(char),
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            // A space between two operands is an AND.
            out.push(Tok::Op(' '));
        } else if "!'^&*|+()".contains(c) {
            chars.next();
            out.push(Tok::Op(c));
        } else if c.is_alphanumeric() || c == '_' || c == '[' || c == ']' || c == '.' {
            let mut id = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || "_[].".contains(c) {
                    id.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Tok::Ident(id));
        } else {
            return Err(format!("function `{text}`: unexpected `{c}`"));
        }
    }
    // Keep a space only where it joins two operands: after an operand or `)` or `'`, before
    // an operand, `(` or `!`.
    let mut kept: Vec<Tok> = Vec::with_capacity(out.len());
    for (i, t) in out.iter().enumerate() {
        if *t != Tok::Op(' ') {
            kept.push(t.clone());
            continue;
        }
        let ends = matches!(kept.last(), Some(Tok::Ident(_) | Tok::Op(')' | '\'')));
        let next = out[i + 1..].iter().find(|t| **t != Tok::Op(' '));
        let starts = matches!(next, Some(Tok::Ident(_) | Tok::Op('(' | '!')));
        if ends && starts && kept.last() != Some(&Tok::Op(' ')) {
            kept.push(Tok::Op(' '));
        }
    }
    Ok(kept)
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn err(&self, what: &str) -> String {
        format!("function `{}`: {what}", self.text)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while matches!(self.peek(), Some(Tok::Op('|' | '+'))) {
            self.pos += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.xor()?;
        while matches!(self.peek(), Some(Tok::Op('&' | '*' | ' '))) {
            self.pos += 1;
            e = Expr::And(Box::new(e), Box::new(self.xor()?));
        }
        Ok(e)
    }

    fn xor(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while matches!(self.peek(), Some(Tok::Op('^'))) {
            self.pos += 1;
            e = Expr::Xor(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Tok::Op('!')) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        let mut e = match self.toks.get(self.pos).cloned() {
            Some(Tok::Op('(')) => {
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::Op(')')) {
                    return Err(self.err("missing `)`"));
                }
                self.pos += 1;
                e
            }
            Some(Tok::Ident(id)) => {
                self.pos += 1;
                match id.as_str() {
                    "0" => Expr::Const(false),
                    "1" => Expr::Const(true),
                    _ => Expr::Var(id),
                }
            }
            _ => return Err(self.err("expected an operand")),
        };
        while self.peek() == Some(&Tok::Op('\'')) {
            self.pos += 1;
            e = Expr::Not(Box::new(e));
        }
        Ok(e)
    }
}

impl Expr {
    /// Parse a Liberty function.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let toks = lex(text)?;
        let mut p = Parser {
            toks: &toks,
            pos: 0,
            text,
        };
        let e = p.or()?;
        if p.pos != toks.len() {
            return Err(p.err("trailing input"));
        }
        Ok(e)
    }

    /// The value with `value(var)` for each variable (`None` for an unknown one).
    pub fn eval(&self, value: &dyn Fn(&str) -> Option<bool>) -> Option<bool> {
        Some(match self {
            Expr::Const(b) => *b,
            Expr::Var(v) => value(v)?,
            Expr::Not(e) => !e.eval(value)?,
            Expr::And(a, b) => a.eval(value)? & b.eval(value)?,
            Expr::Or(a, b) => a.eval(value)? | b.eval(value)?,
            Expr::Xor(a, b) => a.eval(value)? ^ b.eval(value)?,
        })
    }

    /// The truth table over `vars` (at most 6): bit `i` is the value when `vars[k]` is bit `k`
    /// of `i`. `None` when the function uses any other variable.
    pub fn truth_table(&self, vars: &[&str]) -> Option<u64> {
        assert!(vars.len() <= 6, "truth tables of up to 6 variables");
        let mut t = 0;
        for i in 0..1u64 << vars.len() {
            let value = |v: &str| vars.iter().position(|x| *x == v).map(|k| i >> k & 1 == 1);
            if self.eval(&value)? {
                t |= 1 << i;
            }
        }
        Some(t)
    }
}

/// The truth table of a two-input NAND (either input order).
pub const NAND2: u64 = 0b0111;

#[cfg(test)]
mod tests {
    use super::*;

    fn table(f: &str, vars: &[&str]) -> Option<u64> {
        Expr::parse(f).unwrap().truth_table(vars)
    }

    #[test]
    fn spellings_of_nand2_and_others() {
        for f in [
            "(!(A B))",
            "!(A&B)",
            "(!A) | (!B)",
            "(A*B)'",
            "!A+!B",
            "(A B)'",
        ] {
            assert_eq!(table(f, &["A", "B"]), Some(NAND2), "{f}");
        }
        // nand2b: one input inverted is not a NAND2.
        assert_ne!(table("(A_N) | (!B)", &["A_N", "B"]), Some(NAND2));
        assert_eq!(table("(A B)", &["A", "B"]), Some(0b1000));
        assert_eq!(table("A^B", &["A", "B"]), Some(0b0110));
        // XOR binds tighter than AND, AND tighter than OR, inversion tightest.
        assert_eq!(
            table("A B^C", &["A", "B", "C"]),
            table("A&(B^C)", &["A", "B", "C"])
        );
        assert_eq!(
            table("A|B&C", &["A", "B", "C"]),
            table("A|(B&C)", &["A", "B", "C"])
        );
        assert_eq!(table("!A B", &["A", "B"]), Some(0b0100));
        assert_eq!(table("(!((A B)+C))", &["A", "B", "C"]), Some(0b0000_0111));
        assert_eq!(table("1", &[]), Some(1));
        // A variable outside the list, and malformed text.
        assert_eq!(table("A B", &["A"]), None);
        assert!(Expr::parse("(A B").is_err());
        assert!(Expr::parse("A $ B").is_err());
        assert!(Expr::parse("A |").is_err());
    }
}
