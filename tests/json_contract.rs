//! The JSON contract: real `analyze --format json` outputs on the bundled
//! lab captures (and the shared public captures, when present) validate
//! against docs/schema/rdpdiag-2.schema.json. The validator is a small subset
//! of JSON Schema (type, const, enum, required, properties, items, anyOf,
//! $ref) — all the schema file uses — so no validator crate is needed.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("docs/schema/rdpdiag-2.schema.json"))
        .expect("docs/schema/rdpdiag-2.schema.json is readable");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        _ => false,
    }
}

/// Validate `v` against `s`; push "path: problem" lines to `errs`.
fn validate(root: &Value, s: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        match root.get("$defs").and_then(|d| d.get(name)) {
            Some(def) => validate(root, def, v, path, errs),
            None => errs.push(format!("{path}: unresolved $ref {r}")),
        }
        return;
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)),
            _ => true,
        };
        if !ok {
            errs.push(format!("{path}: expected type {t}, got {v}"));
            return;
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            errs.push(format!("{path}: expected {c}, got {v}"));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!("{path}: {v} is not one of {e:?}"));
        }
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|alt| {
            let mut e = Vec::new();
            validate(root, alt, v, path, &mut e);
            e.is_empty()
        });
        if !ok {
            errs.push(format!("{path}: matches none of anyOf"));
        }
    }
    if let Some(obj) = v.as_object() {
        for k in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(k) {
                errs.push(format!("{path}: missing required key \"{k}\""));
            }
        }
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (k, ps) in props {
                if let Some(x) = obj.get(k) {
                    validate(root, ps, x, &format!("{path}.{k}"), errs);
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(root, items, x, &format!("{path}[{i}]"), errs);
        }
    }
}

/// Deserializes any JSON and fails on an object with a key twice: a
/// lenient parser keeps the last, a strict one (serde's derive) refuses the
/// document, so the contract has every key once.
struct UniqueKeys;

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<UniqueKeys, A::Error> {
        while a.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<UniqueKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(k) = m.next_key::<String>()? {
            if !seen.insert(k.clone()) {
                return Err(serde::de::Error::custom(format!("duplicate key {k:?}")));
            }
            m.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

fn analyze_json(path: &Path, extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["--no-config", "analyze", "--format", "json"])
        .args(extra)
        .arg(path)
        .output()
        .expect("rdpdiag runs");
    if let Err(e) = serde_json::from_slice::<UniqueKeys>(&out.stdout) {
        panic!("{}: {e}", path.display());
    }
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: output is not JSON ({e}); stderr: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn bundled() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("captures"))
        .expect("captures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".pcap") || n.ends_with(".pcapng")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn bundled_outputs_validate_against_the_schema() {
    let s = schema();
    let caps = bundled();
    assert!(caps.len() >= 19, "captures/ holds the lab samples");
    for c in caps {
        let v = analyze_json(&c, &[]);
        let mut errs = Vec::new();
        validate(&s, &s, &v, "$", &mut errs);
        assert!(errs.is_empty(), "{}:\n{}", c.display(), errs.join("\n"));
    }
}

#[test]
fn shared_public_outputs_validate_against_the_schema() {
    // ../shared/captures/public (not redistributed): read in place when present.
    let Some(base) = common::shared_captures()
        .map(|c| c.join("public"))
        .filter(|d| d.is_dir())
    else {
        common::skip(
            "json_contract::shared_public_outputs_validate_against_the_schema",
            "shared public captures absent",
        );
        return;
    };
    let s = schema();
    for (rel, port) in [
        ("zeek/rdp-x509.pcap", None),
        ("zeek/rdp-to-ssl.pcap", None),
        ("zeek/rdpeudp-handshake-fail.pcap", None),
        ("zeek/tls/tls-expired-cert.pcap", Some("443")),
        ("nDPI/rdp_over_tls.pcap", None),
        ("suricata-verify/tests/rdp-protocol/RDP-003.pcap", None),
    ] {
        let p = base.join(rel);
        if !p.exists() {
            continue;
        }
        let extra: Vec<&str> = port.map(|p| vec!["--port", p]).unwrap_or_default();
        let v = analyze_json(&p, &extra);
        let mut errs = Vec::new();
        validate(&s, &s, &v, "$", &mut errs);
        assert!(errs.is_empty(), "{rel}:\n{}", errs.join("\n"));
    }
}

/// The fields the JSON contract promises per attempt (issue 4), checked on
/// real outputs and required by the schema file, so neither can drop one.
#[test]
fn promised_attempt_fields() {
    let s = schema();
    let req = |def: &str| -> Vec<String> {
        s["$defs"][def]["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(String::from))
            .collect()
    };
    let attempt_keys = [
        "client",
        "server",
        "outcome",
        "failed_stage",
        "root_cause",
        "findings",
        "connections",
    ];
    let finding_keys = [
        "id",
        "title",
        "severity",
        "evidence",
        "remediation",
        "mstsc_codes",
    ];
    for k in attempt_keys {
        assert!(
            req("attempt").iter().any(|r| r == k),
            "schema attempt lacks {k}"
        );
    }
    for k in finding_keys {
        assert!(
            req("finding").iter().any(|r| r == k),
            "schema finding lacks {k}"
        );
    }
    // captures/port_closed.pcap: one attempt of 2 TCP connections, RST to SYN (frames 2 and 4).
    let v = analyze_json(&root().join("captures/port_closed.pcap"), &[]);
    assert_eq!(v["schema"], "rdpdiag/2");
    let a = &v["files"][0]["attempts"][0];
    for k in attempt_keys {
        assert!(a.get(k).is_some(), "attempt lacks {k}: {a}");
    }
    assert_eq!(a["outcome"], "failure");
    assert_eq!(a["failed_stage"], "tcp");
    let rc = &a["root_cause"];
    for k in finding_keys {
        assert!(rc.get(k).is_some(), "root_cause lacks {k}");
    }
    assert_eq!(rc["id"], "tcp.rst_to_syn");
    let ev = &rc["evidence"][0];
    assert!(ev["frame"].is_u64() && ev["time"].is_string() && ev["detail"].is_string());
    let conns = a["connections"]
        .as_array()
        .expect("connections is an array");
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[0]["transport"], "tcp");
    assert!(conns[0]["tcp"]["syn_frames"].is_array());
    // A DNS failure's connection is its UDP flow.
    let v = analyze_json(&root().join("captures/dns_nxdomain.pcap"), &[]);
    let c = &v["files"][0]["attempts"][0]["connections"][0];
    assert_eq!(c["transport"], "udp");
    assert!(c["dns"].as_array().is_some_and(|d| !d.is_empty()));
}

#[test]
fn validator_rejects_a_broken_document() {
    let s = schema();
    let v = serde_json::json!({"schema": "rdpdiag/2", "tool": {"name": "rdpdiag", "version": "x"},
        "files": [{"file": "a", "capture": {"format": "pcap", "frames": 1, "bytes": 1, "truncated": false},
        "warnings": [], "stats": {}, "comments": [], "error": null,
        "attempts": [{"outcome": "maybe"}]}]});
    let mut errs = Vec::new();
    validate(&s, &s, &v, "$", &mut errs);
    assert!(
        errs.iter()
            .any(|e| e.contains("missing required key \"client\"")),
        "{errs:?}"
    );
    assert!(errs.iter().any(|e| e.contains("maybe")), "{errs:?}");
}

/// The rule: `rdpdiag/2` is written by the wire types of
/// `rdpdiag::report::json` (their field names ARE the contract), built from
/// the internal report by conversions. Internal types (verdicts, session
/// facts, flow health, capture summary, …) are not serialized for it, so an
/// internal rename cannot change the document. Checked two ways: the CLI
/// writes exactly what the wire types serialize to, and no internal type
/// outside the allow-list below derives or implements `Serialize`.
#[test]
fn the_wire_types_are_the_contract() {
    // captures/port_closed.pcap: one attempt of 2 TCP connections (RST to SYN).
    let path = root().join("captures/port_closed.pcap");
    let p = path.to_string_lossy().to_string();
    let report = rdpdiag::analysis::analyze_file(&p, &rdpdiag::analysis::AnalysisConfig::default())
        .expect("analyzes");
    let wire =
        rdpdiag::report::json::to_string_pretty(std::slice::from_ref(&report)).expect("serializes");
    let out = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["--no-config", "analyze", "--format", "json"])
        .arg(&path)
        .output()
        .expect("rdpdiag runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{wire}\n"));

    // Serialize outside report::json, and why. Anything else serializing an
    // internal type would make that type's field names part of a contract.
    let allowed: &[(&str, &str, &str)] = &[
        // The probe's own JSON report (`rdpdiag probe --format json`) lists
        // findings and certificates; it is not rdpdiag/2.
        ("verdict.rs", "Stage", "probe report"),
        ("verdict.rs", "Severity", "probe report"),
        ("verdict.rs", "Evidence", "probe report"),
        ("verdict.rs", "Finding", "probe report"),
        ("verdict.rs", "Basis", "probe report (Finding.basis)"),
        ("session/facts.rs", "CertInfo", "probe report"),
        ("wire.rs", "FrameRef", "probe report (CertInfo.frame)"),
    ];
    // Whole files that write documents of their own.
    let own_documents = [
        "report/json",      // rdpdiag/2 itself
        "probe/",           // rdpdiag probe --format json
        "codes/",           // rdpdiag explain --format json
        "rules/catalog.rs", // rdpdiag rules --format json (rdpdiag-rules/1)
        "config.rs",        // the configuration file
    ];
    let mut found = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("src/ is readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(root().join("src"))
                .expect("under src/")
                .to_string_lossy()
                .replace('\\', "/");
            if !rel.ends_with(".rs") || own_documents.iter().any(|d| rel.starts_with(d)) {
                continue;
            }
            let text = std::fs::read_to_string(&p).expect("readable");
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            for (i, l) in lines.iter().enumerate() {
                let derives = l.trim_start().starts_with("#[derive(")
                    && l.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .any(|w| w == "Serialize");
                let name = if derives {
                    lines[i + 1..].iter().find_map(|n| item_name(n))
                } else if l.contains("Serialize for ") && !l.trim_start().starts_with("//") {
                    l.split("Serialize for ")
                        .nth(1)
                        .and_then(|r| r.split(|c: char| !c.is_alphanumeric() && c != '_').next())
                        .map(String::from)
                } else {
                    None
                };
                if let Some(n) = name {
                    found.push((rel.clone(), n));
                }
            }
        }
    }
    let stray: Vec<_> = found
        .iter()
        .filter(|(f, n)| !allowed.iter().any(|(af, an, _)| af == f && an == n))
        .collect();
    assert!(
        stray.is_empty(),
        "internal types serialized outside report::json (write a wire type \
         in src/report/json instead, or add the type here with its reason): {stray:?}"
    );
}

/// `pub struct Name` / `pub enum Name` → Name (None for attribute and comment lines).
fn item_name(line: &str) -> Option<String> {
    if line.trim_start().starts_with("//") {
        return None;
    }
    let mut w = line
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    w.find(|w| *w == "struct" || *w == "enum")?;
    w.next().map(String::from)
}

/// An input that cannot be read keeps its place in `files`, with its error,
/// beside the readable ones; the document still validates; exit 2.
#[test]
fn unreadable_input_is_listed_with_its_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("notes.pcap");
    std::fs::write(&bad, "this is not a capture\n").expect("write");
    let missing = dir.path().join("missing.pcap");
    let out = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["--no-config", "analyze", "--format", "json"])
        .arg(&missing)
        .arg(root().join("captures/port_closed.pcap"))
        .arg(&bad)
        .output()
        .expect("rdpdiag runs");
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let s = schema();
    let mut errs = Vec::new();
    validate(&s, &s, &v, "$", &mut errs);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    let files = v["files"].as_array().expect("files");
    assert_eq!(files.len(), 3);
    assert!(files[0]["file"]
        .as_str()
        .expect("file")
        .ends_with("missing.pcap"));
    assert!(files[0]["error"]
        .as_str()
        .expect("error")
        .contains("cannot open"));
    assert!(files[1]["error"].is_null());
    assert!(!files[1]["attempts"]
        .as_array()
        .expect("attempts")
        .is_empty());
    assert!(files[2]["error"]
        .as_str()
        .expect("error")
        .contains("not a pcap or pcapng"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
}

// ---- rdpdiag-jsonl/1 (`--format jsonl`, docs/json.md "JSON lines") ----

fn jsonl_schema() -> Value {
    let text = std::fs::read_to_string(root().join("docs/schema/rdpdiag-jsonl-1.schema.json"))
        .expect("docs/schema/rdpdiag-jsonl-1.schema.json is readable");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn analyze_stdout(args: &[&str], files: &[PathBuf]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["--no-config", "analyze"])
        .args(args)
        .args(files)
        .output()
        .expect("rdpdiag runs");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Every line of every bundled capture's `--format jsonl` output validates
/// against the schema, carries exactly the schema's keys, and says what the
/// `rdpdiag/2` document says of the same attempt, in the same order.
#[test]
fn bundled_jsonl_lines_validate_and_agree_with_the_document() {
    let s = jsonl_schema();
    let props = s["properties"].as_object().expect("properties");
    let required: Vec<&str> = s["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required.len(), props.len(), "every key is always present");
    let caps = bundled();
    let text = analyze_stdout(&["--format", "jsonl"], &caps);
    let doc: Value =
        serde_json::from_str(&analyze_stdout(&["--format", "json"], &caps)).expect("JSON");
    let attempts: Vec<(&Value, &Value)> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .flat_map(|f| {
            f["attempts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |a| (f, a))
        })
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), attempts.len(), "one line per attempt");
    assert!(lines.len() >= 19, "the lab captures hold attempts");
    let mut uids = std::collections::HashSet::new();
    for (l, (f, a)) in lines.iter().zip(&attempts) {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        let mut errs = Vec::new();
        validate(&s, &s, &v, "$", &mut errs);
        assert!(errs.is_empty(), "{l}\n{}", errs.join("\n"));
        let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        let undocumented: Vec<_> = keys.iter().filter(|k| !props.contains_key(**k)).collect();
        assert!(
            undocumented.is_empty(),
            "not in the schema: {undocumented:?}"
        );
        assert!(
            uids.insert(v["uid"].as_str().expect("uid").to_string()),
            "{l}"
        );
        assert_eq!(v["file"], f["file"], "{l}");
        assert_eq!(v["attempt"], a["id"], "{l}");
        assert_eq!(v["outcome"], a["outcome"], "{l}");
        assert_eq!(v["stage"], a["failed_stage"], "{l}");
        assert_eq!(v["server"], a["server"], "{l}");
        assert_eq!(v["start_frame"], a["start"]["frame"], "{l}");
        assert_eq!(v["end_frame"], a["end"]["frame"], "{l}");
        let rc = &a["root_cause"];
        assert_eq!(
            v["rule"],
            rc.get("id").cloned().unwrap_or(Value::Null),
            "{l}"
        );
        assert_eq!(
            v["mstsc_codes"],
            rc.get("mstsc_codes")
                .cloned()
                .unwrap_or(Value::Array(vec![])),
            "{l}"
        );
        // The Zeek `id` fields are the first connection's, whose client the
        // document names as the attempt's client.
        if a["connection_ids"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
        {
            assert_eq!(v["id.orig_h"], a["client"], "{l}");
            assert_eq!(v["proto"], "tcp", "{l}");
            assert!(v["community_id"]
                .as_str()
                .is_some_and(|c| c.starts_with("1:")));
        }
    }
    // Stable: the same input gives the same lines (uids included).
    assert_eq!(analyze_stdout(&["--format", "jsonl"], &caps), text);
}

/// The same input gives byte-identical JSON: every bundled capture in one
/// run (analyzed in parallel, written in input order), twice. The document
/// is valid and each file has the attempts of its own whole analysis.
#[test]
fn the_document_is_byte_identical_run_to_run() {
    let caps = bundled();
    let first = analyze_stdout(&["--format", "json"], &caps);
    assert_eq!(analyze_stdout(&["--format", "json"], &caps), first);
    assert_eq!(
        analyze_stdout(&["--format", "json", "--compact"], &caps),
        analyze_stdout(&["--format", "json", "--compact"], &caps)
    );
    let v: Value = serde_json::from_str(&first).expect("one JSON document");
    let files = v["files"].as_array().expect("files");
    assert_eq!(files.len(), caps.len());
    for (f, p) in files.iter().zip(&caps) {
        assert_eq!(f["file"], p.to_string_lossy().as_ref());
    }
}

/// A line of captures/port_closed.pcap, field by field: the connection of
/// frame 1 (SYN 10.203.0.2 → 10.203.0.1:3389, answered by RST).
#[test]
fn jsonl_line_of_a_known_capture() {
    let text = analyze_stdout(
        &["--format", "jsonl"],
        &[root().join("captures/port_closed.pcap")],
    );
    let v: Value = serde_json::from_str(text.lines().next().expect("a line")).expect("JSON");
    assert_eq!(v["schema"], "rdpdiag-jsonl/1");
    assert_eq!(v["outcome"], "failure");
    assert_eq!(v["stage"], "tcp");
    assert_eq!(v["id.resp_p"], 3389);
    assert_eq!(v["start_frame"], 1);
    assert!(v["ts"].as_f64().is_some_and(|t| t > 1.6e9), "{v}");
}

/// `--compact`: the same document on one line.
#[test]
fn compact_json_is_the_same_document_on_one_line() {
    let caps = [root().join("captures/port_closed.pcap")];
    let compact = analyze_stdout(&["--format", "json", "--compact"], &caps);
    let pretty = analyze_stdout(&["--format", "json"], &caps);
    assert_eq!(compact.lines().count(), 1);
    let a: Value = serde_json::from_str(&compact).expect("JSON");
    let b: Value = serde_json::from_str(&pretty).expect("JSON");
    assert_eq!(a, b);
}

#[test]
fn jsonl_validator_rejects_a_broken_line() {
    let s = jsonl_schema();
    let v = serde_json::json!({"schema": "rdpdiag-jsonl/1", "ts": "yesterday", "outcome": "maybe"});
    let mut errs = Vec::new();
    validate(&s, &s, &v, "$", &mut errs);
    for want in [
        "missing required key \"uid\"",
        "$.ts: expected type",
        "maybe",
    ] {
        assert!(errs.iter().any(|e| e.contains(want)), "{want}: {errs:?}");
    }
}

/// `community_id` is what Wireshark's Community ID dissector computes for
/// the attempt's first frame (the first connection's SYN when the attempt
/// has no UDP flow), so the lines join with Zeek and Suricata records.
#[test]
fn jsonl_community_id_matches_wireshark() {
    let tshark_ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !tshark_ok {
        common::skip(
            "json_contract::jsonl_community_id_matches_wireshark",
            "tshark absent",
        );
        return;
    }
    let mut checked = 0;
    for c in ["port_closed.pcap", "dns_nxdomain.pcap", "tls12_cbc_ok.pcap"] {
        let p = root().join("captures").join(c);
        let text = analyze_stdout(&["--format", "jsonl"], std::slice::from_ref(&p));
        for l in text.lines() {
            let v: Value = serde_json::from_str(l).expect("JSON");
            let tcp_only = v["proto"] == "tcp" && v["udp_flows"] == 0;
            let udp_only = v["proto"] == "udp" && v["connections"] == 0;
            if !(tcp_only || udp_only) {
                continue;
            }
            let frame = v["start_frame"].as_u64().expect("start_frame");
            let o = Command::new("tshark")
                .args(["-r"])
                .arg(&p)
                .args(["--enable-protocol", "communityid", "-V"])
                .args(["-Y", &format!("frame.number == {frame}")])
                .output()
                .expect("tshark runs");
            let dump = String::from_utf8_lossy(&o.stdout);
            let Some(want) = dump
                .lines()
                .find_map(|l| l.trim().strip_prefix("[Community ID: "))
            else {
                continue; // an older Wireshark without the dissector
            };
            assert_eq!(
                v["community_id"].as_str(),
                Some(want.trim_end_matches(']')),
                "{c}"
            );
            checked += 1;
        }
    }
    if checked == 0 {
        common::skip(
            "json_contract::jsonl_community_id_matches_wireshark",
            "tshark has no Community ID dissector",
        );
    }
}

/// `analyze --format json` of `capture` under a config file holding `toml`;
/// the document must validate against the schema.
fn analyze_json_with_config(toml: &str, capture: &Path) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("rdpdiag.toml");
    std::fs::write(&cfg, toml).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .arg("--config")
        .arg(&cfg)
        .args(["analyze", "--format", "json"])
        .arg(capture)
        .output()
        .expect("rdpdiag runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let s = schema();
    let mut errs = Vec::new();
    validate(&s, &s, &v, "$", &mut errs);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    v
}

/// `files[].scan`: captures/port_closed.pcap (two
/// refused one-SYN connections, frames 1–4) under `scan_fold_after = 1`
/// keeps the first as a connection and attempt and folds the second into the
/// summary; the document validates. Without the setting the key is absent.
#[test]
fn folded_scan_probes_are_one_summary() {
    let path = root().join("captures/port_closed.pcap");
    let v = analyze_json_with_config("[limits]\nscan_fold_after = 1\n", &path);
    let f = &v["files"][0];
    let scan = &f["scan"];
    assert_eq!(scan["probes"], 2);
    assert_eq!(
        (scan["kept"].as_u64(), scan["folded"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (scan["rst"].as_u64(), scan["unanswered"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(scan["sources"], 1);
    assert_eq!(scan["ports"]["3389"], 2);
    assert_eq!(scan["first"]["frame"], 1);
    assert_eq!(scan["last"]["frame"], 4);
    assert_eq!(common::tcp_records(f), 1);
    assert_eq!(f["attempts"].as_array().map(Vec::len), Some(1));
    assert!(scan["summary"]
        .as_str()
        .is_some_and(|t| t.contains("2 SYNs")));

    let plain = analyze_json(&path, &[]);
    assert!(plain["files"][0].get("scan").is_none());
    assert_eq!(common::tcp_records(&plain["files"][0]), 2);
}

/// Real scanner traffic: ../shared/captures/public/nDPI/synscan.pcap (nmap
/// -sS from 172.16.0.8, frames 1–2011) with seven of its scanned ports
/// treated as RDP besides 3389 and `scan_fold_after = 4`: every connection
/// the flow layer calls RDP is a one-SYN probe (13: 10 unanswered, 1 RST,
/// 2 SYN-ACK), the first 4 stay connections, 9 are folded.
#[test]
fn nmap_syn_scan_is_folded() {
    let Some(p) = common::shared_captures()
        .map(|c| c.join("public/nDPI/synscan.pcap"))
        .filter(|p| p.exists())
    else {
        common::skip(
            "json_contract::nmap_syn_scan_is_folded",
            "synscan.pcap absent",
        );
        return;
    };
    let v = analyze_json_with_config(
        "ports = [21, 22, 23, 25, 80, 443, 445]\n[limits]\nscan_fold_after = 4\n",
        &p,
    );
    let f = &v["files"][0];
    let scan = &f["scan"];
    assert_eq!(f["stats"]["rdp_connections"], 13);
    let n = |k: &str| scan[k].as_u64().unwrap_or(u64::MAX);
    assert_eq!((n("probes"), n("kept"), n("folded")), (13, 4, 9));
    assert_eq!((n("unanswered"), n("rst"), n("syn_ack")), (10, 1, 2));
    assert_eq!(scan["top_sources"][0]["ip"], "172.16.0.8");
    assert_eq!(common::tcp_records(f), 4);
}

#[test]
fn the_duplicate_key_check_refuses_a_key_twice() {
    // Hand-made: the shape rdpdiag/1 had before `rdp_reason` (a string and
    // an object under the same key `rdp`).
    let twice = br#"{"connections": [{"rdp": "port", "id": 1, "rdp": {"client_info": null}}]}"#;
    assert!(serde_json::from_slice::<UniqueKeys>(twice).is_err());
    let once = br#"{"connections": [{"rdp_reason": "port", "rdp": {"client_info": null}}]}"#;
    assert!(serde_json::from_slice::<UniqueKeys>(once).is_ok());
}
