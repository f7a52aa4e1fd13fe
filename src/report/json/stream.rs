//! The `rdpdiag/2` document written piece by piece: the opening, each
//! file's opening, its attempts one at a time, its tail (what is known when
//! the file ends) and the closing. `analyze --format json` writes attempts
//! as the streaming analysis hands them over, so the document never exists
//! whole in memory; [`super::write`] writes a whole report the same way.
//!
//! The pieces are serialized with serde_json and joined here, pretty
//! (2-space indentation, exactly as `serde_json::to_string_pretty` writes
//! the whole [`super::Document`]) or compact. A piece nested at depth `d`
//! is serialized with a pretty formatter that starts `d` levels in.
//!
//! Each piece is generic over `Serialize`: the wire types without
//! `--redact`, redacted `serde_json::Value`s with it.

use super::{Tool, SCHEMA};
use serde::Serialize;

/// The keys before `files`.
#[derive(Serialize)]
struct Head {
    schema: &'static str,
    tool: Tool,
}

/// Depth of the pieces: `files[]` items, their keys, `attempts[]` items.
const FILE_DEPTH: usize = 2;
const FILE_KEY_DEPTH: usize = 3;
const ATTEMPT_DEPTH: usize = 4;

/// Writes the pieces of a document into a byte buffer.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    pretty: bool,
}

impl Writer {
    pub fn new(pretty: bool) -> Writer {
        Writer { pretty }
    }

    /// `{"schema": …, "tool": …, "files": [`
    pub fn begin(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.push(b'{');
        let head = self.object(
            &Head {
                schema: SCHEMA,
                tool: Tool::this(),
            },
            0,
        )?;
        out.extend_from_slice(fields(&head));
        self.key(out, "files", 1, true);
        out.push(b'[');
        Ok(())
    }

    /// `{"file": …, "attempts": [`, after a comma unless it is the first file.
    pub fn begin_file<F: Serialize + ?Sized>(
        &self,
        out: &mut Vec<u8>,
        file: &F,
        first: bool,
    ) -> serde_json::Result<()> {
        self.item(out, first, FILE_DEPTH);
        out.push(b'{');
        self.key(out, "file", FILE_KEY_DEPTH, false);
        self.value(out, file, FILE_KEY_DEPTH)?;
        self.key(out, "attempts", FILE_KEY_DEPTH, true);
        out.push(b'[');
        Ok(())
    }

    /// One of `attempts[]`, after a comma unless it is the file's first.
    pub fn attempt<A: Serialize + ?Sized>(
        &self,
        out: &mut Vec<u8>,
        attempt: &A,
        first: bool,
    ) -> serde_json::Result<()> {
        self.item(out, first, ATTEMPT_DEPTH);
        self.value(out, attempt, ATTEMPT_DEPTH)
    }

    /// `], <the tail's keys>}`: closes the file's attempts (some were
    /// written when `had_attempts`) and adds the keys of `tail`, an object.
    pub fn end_file<T: Serialize + ?Sized>(
        &self,
        out: &mut Vec<u8>,
        tail: &T,
        had_attempts: bool,
    ) -> serde_json::Result<()> {
        self.close(out, b']', had_attempts, ATTEMPT_DEPTH);
        let tail = self.object(tail, FILE_KEY_DEPTH - 1)?;
        let keys = fields(&tail);
        if !keys.is_empty() {
            out.push(b',');
            out.extend_from_slice(keys);
        }
        self.close(out, b'}', true, FILE_KEY_DEPTH);
        Ok(())
    }

    /// `]}` and a line break: closes `files` (some were written when
    /// `had_files`) and the document.
    pub fn end(&self, out: &mut Vec<u8>, had_files: bool) {
        self.close(out, b']', had_files, FILE_DEPTH);
        self.close(out, b'}', true, 1);
        out.push(b'\n');
    }

    /// `value` serialized at `depth`.
    fn value<T: Serialize + ?Sized>(
        &self,
        out: &mut Vec<u8>,
        value: &T,
        depth: usize,
    ) -> serde_json::Result<()> {
        if !self.pretty {
            return serde_json::to_writer(out, value);
        }
        let mut ser = serde_json::Serializer::with_formatter(out, Indented::at(depth));
        value.serialize(&mut ser)
    }

    /// An object serialized at `depth`, on its own.
    fn object<T: Serialize + ?Sized>(
        &self,
        value: &T,
        depth: usize,
    ) -> serde_json::Result<Vec<u8>> {
        let mut v = Vec::new();
        self.value(&mut v, value, depth)?;
        Ok(v)
    }

    /// `,"key": ` (pretty: on a new line at `depth`).
    fn key(&self, out: &mut Vec<u8>, key: &str, depth: usize, comma: bool) {
        if comma {
            out.push(b',');
        }
        self.newline(out, depth);
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(if self.pretty { b"\": " } else { b"\":" });
    }

    /// Before an array item: a comma unless it is the first, then (pretty)
    /// a new line at `depth`.
    fn item(&self, out: &mut Vec<u8>, first: bool, depth: usize) {
        if !first {
            out.push(b',');
        }
        self.newline(out, depth);
    }

    /// A closing bracket of items (or keys) at `item_depth`; pretty: on a
    /// new line one level above them when there were any (`[]` stays on one line, as serde_json writes it).
    fn close(&self, out: &mut Vec<u8>, bracket: u8, had_items: bool, item_depth: usize) {
        if had_items {
            self.newline(out, item_depth.saturating_sub(1));
        }
        out.push(bracket);
    }

    fn newline(&self, out: &mut Vec<u8>, depth: usize) {
        if self.pretty {
            out.push(b'\n');
            out.extend(std::iter::repeat_n(b' ', 2 * depth));
        }
    }
}

/// A run of pieces of one file, as the streaming analysis hands a part
/// over: the file's opening (with its first part), its attempts, and its
/// tail (with its last part). `F`, `A`, `T`: the file name, attempt and tail
/// types (wire types, or `serde_json::Value`s to redact first).
#[derive(Debug)]
pub struct Piece<F, A, T> {
    /// The file name, and whether it is the document's first file.
    pub open: Option<(F, bool)>,
    pub attempts: Vec<A>,
    /// `attempts[0]` is the file's first attempt.
    pub first_attempt: bool,
    /// The tail, and whether the file had any attempt.
    pub close: Option<(T, bool)>,
}

impl<F: Serialize, A: Serialize, T: Serialize> Piece<F, A, T> {
    pub fn write(&self, w: &Writer, out: &mut Vec<u8>) -> serde_json::Result<()> {
        if let Some((file, first)) = &self.open {
            w.begin_file(out, file, *first)?;
        }
        for (i, a) in self.attempts.iter().enumerate() {
            w.attempt(out, a, i == 0 && self.first_attempt)?;
        }
        if let Some((tail, had_attempts)) = &self.close {
            w.end_file(out, tail, *had_attempts)?;
        }
        Ok(())
    }
}

/// serde_json's pretty formatter (2 spaces), starting `depth` levels in:
/// the lines of a piece nested in the document are indented as they would
/// be were the whole document serialized at once.
struct Indented {
    level: usize,
    has_value: bool,
}

impl Indented {
    fn at(depth: usize) -> Indented {
        Indented {
            level: depth,
            has_value: false,
        }
    }

    fn open<W: std::io::Write + ?Sized>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: std::io::Write + ?Sized>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level = self.level.saturating_sub(1);
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: std::io::Write + ?Sized>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn newline<W: std::io::Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        const SPACES: &[u8] = &[b' '; 64];
        w.write_all(b"\n")?;
        let mut n = 2 * self.level;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(SPACES.get(..k).unwrap_or_default())?;
            n -= k;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: std::io::Write + ?Sized>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: std::io::Write + ?Sized>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: std::io::Write + ?Sized>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: std::io::Write + ?Sized>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The inside of a serialized object: without its braces and the line
/// break and indentation before the closing one (empty for `{}`).
fn fields(object: &[u8]) -> &[u8] {
    let inner = object
        .strip_prefix(b"{")
        .and_then(|o| o.strip_suffix(b"}"))
        .unwrap_or_default();
    let end = inner
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    inner.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[derive(Serialize)]
    struct Doc {
        schema: &'static str,
        tool: Tool,
        files: Vec<File>,
    }

    #[derive(Serialize)]
    struct File {
        file: &'static str,
        attempts: Vec<Value>,
        #[serde(flatten)]
        tail: Value,
    }

    /// Hand-made values: the framing alone, against what serde_json
    /// writes for the same document in one piece.
    #[test]
    fn pieces_join_into_the_document_serde_writes() {
        let doc = Doc {
            schema: SCHEMA,
            tool: Tool::this(),
            files: vec![
                File {
                    file: "a.pcap",
                    attempts: vec![json!({"id": 1, "x": [1, 2]}), json!({"id": 2, "x": []})],
                    tail: json!({"capture": {"frames": 3}, "scan": {"k": {"z": 1}}, "w": []}),
                },
                File {
                    file: "b.pcap",
                    attempts: vec![],
                    tail: json!({"capture": {"frames": 0}, "w": []}),
                },
            ],
        };
        for pretty in [true, false] {
            let w = Writer::new(pretty);
            let mut out = Vec::new();
            w.begin(&mut out).expect("head");
            for (i, f) in doc.files.iter().enumerate() {
                w.begin_file(&mut out, f.file, i == 0).expect("file");
                for (j, a) in f.attempts.iter().enumerate() {
                    w.attempt(&mut out, a, j == 0).expect("attempt");
                }
                w.end_file(&mut out, &f.tail, !f.attempts.is_empty())
                    .expect("tail");
            }
            w.end(&mut out, true);
            let want = if pretty {
                serde_json::to_string_pretty(&doc)
            } else {
                serde_json::to_string(&doc)
            }
            .expect("serializes");
            assert_eq!(String::from_utf8_lossy(&out), format!("{want}\n"));
        }
    }

    #[test]
    fn no_files_is_an_empty_list() {
        for pretty in [true, false] {
            let w = Writer::new(pretty);
            let mut out = Vec::new();
            w.begin(&mut out).expect("head");
            w.end(&mut out, false);
            let v: Value = serde_json::from_slice(&out).expect("valid JSON");
            assert_eq!(v["files"], json!([]));
        }
    }
}
