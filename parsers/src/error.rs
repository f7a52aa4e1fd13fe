//! The one error type every parser in this crate returns.
//!
//! Streaming parsers must tell "the bytes so far are a valid prefix, feed me
//! more" apart from "these bytes can never be this structure". The first is
//! [`ParseError::Incomplete`] (the flow engine waits for more segments), the
//! second is [`ParseError::Invalid`], which names the structure and field so a
//! finding can say exactly what was malformed.

use core::fmt;

/// Why a parse did not produce a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The input is a valid prefix; at least `needed` more bytes are required
    /// (1 when the amount is unknown).
    Incomplete { needed: usize },
    /// The input cannot be this structure.
    Invalid {
        /// The structure being parsed, e.g. `"RDP_NEG_RSP"`.
        what: &'static str,
        /// The offending field, e.g. `"length"`.
        field: &'static str,
        /// A short human reason, e.g. `"must be 8"`.
        reason: &'static str,
    },
}

impl ParseError {
    /// Shorthand for [`ParseError::Invalid`].
    pub const fn invalid(what: &'static str, field: &'static str, reason: &'static str) -> Self {
        ParseError::Invalid {
            what,
            field,
            reason,
        }
    }

    /// Shorthand for [`ParseError::Incomplete`]; `needed` is clamped to at least 1.
    pub const fn incomplete(needed: usize) -> Self {
        ParseError::Incomplete {
            needed: if needed == 0 { 1 } else { needed },
        }
    }

    /// True when more input could turn this into a success.
    pub const fn is_incomplete(&self) -> bool {
        matches!(self, ParseError::Incomplete { .. })
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Incomplete { needed } => {
                write!(f, "incomplete: {needed} more byte(s) needed")
            }
            ParseError::Invalid {
                what,
                field,
                reason,
            } => write!(f, "malformed {what}: field {field} {reason}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Result of a parser: the remaining input and the value, or why not.
pub type ParseResult<'a, T> = Result<(&'a [u8], T), ParseError>;

/// Require `n` bytes; split them off.
pub fn take(input: &[u8], n: usize) -> ParseResult<'_, &[u8]> {
    if input.len() < n {
        Err(ParseError::incomplete(n - input.len()))
    } else {
        let (a, b) = input.split_at(n);
        Ok((b, a))
    }
}

/// Map a nom error into a [`ParseError`] for the named structure.
pub fn from_nom<E>(err: nom::Err<E>, what: &'static str, field: &'static str) -> ParseError {
    match err {
        nom::Err::Incomplete(nom::Needed::Size(n)) => ParseError::incomplete(n.get()),
        nom::Err::Incomplete(nom::Needed::Unknown) => ParseError::incomplete(1),
        nom::Err::Error(_) | nom::Err::Failure(_) => {
            ParseError::invalid(what, field, "does not parse")
        }
    }
}

/// Declare an open enum: a newtype over an integer with named constants, so
/// values the spec does not know still survive and print as numbers.
///
/// ```
/// rdpdiag_parsers::open_enum! {
///     /// Example.
///     pub struct Color(u8) {
///         RED = 1 => "red",
///         GREEN = 2 => "green",
///     }
/// }
/// assert_eq!(Color::RED.name(), Some("red"));
/// assert_eq!(Color(9).name(), None);
/// assert_eq!(Color(9).to_string(), "0x9");
/// ```
/// Declare a flag-set newtype that keeps unknown bits, with `contains()`,
/// `names()` and a `Display` listing the set flags (`A|B|0x40`).
macro_rules! flag_set {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($int:ty) [zero = $zero:expr] {
            $( $(#[$vmeta:meta])* $flag:ident = $value:expr => $label:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
        pub struct $name(pub $int);

        #[allow(missing_docs, dead_code)]
        impl $name {
            $( $(#[$vmeta])* pub const $flag: $name = $name($value); )*

            /// Every named flag, in declaration order.
            pub const ALL: &'static [($int, &'static str)] = &[ $( ($value, $label) ),* ];

            /// The raw bits.
            pub const fn bits(self) -> $int { self.0 }

            /// True when every bit of `other` is set (a zero `other` is always contained).
            pub const fn contains(self, other: $name) -> bool { self.0 & other.0 == other.0 }

            /// True when any bit of `other` is set.
            pub const fn intersects(self, other: $name) -> bool { self.0 & other.0 != 0 }

            /// Bits with no spec name.
            pub fn unknown_bits(self) -> $int {
                let mut known: $int = 0;
                for (v, _) in Self::ALL { known |= *v; }
                self.0 & !known
            }

            /// Names of the set flags (the zero name when no bit is set).
            pub fn names(self) -> Vec<&'static str> {
                let mut out = Vec::new();
                if self.0 == 0 {
                    let z: &'static str = $zero;
                    if !z.is_empty() { out.push(z); }
                    return out;
                }
                for (v, n) in Self::ALL {
                    if *v != 0 && self.0 & *v == *v { out.push(*n); }
                }
                out
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let names = self.names();
                let unknown = self.unknown_bits();
                if names.is_empty() && unknown == 0 {
                    return write!(f, "{:#x}", self.0);
                }
                let mut first = true;
                for n in names {
                    if !first { f.write_str("|")?; }
                    f.write_str(n)?;
                    first = false;
                }
                if unknown != 0 {
                    if !first { f.write_str("|")?; }
                    write!(f, "{:#x}", unknown)?;
                }
                Ok(())
            }
        }

        impl core::ops::BitOr for $name {
            type Output = $name;
            fn bitor(self, rhs: $name) -> $name { $name(self.0 | rhs.0) }
        }

        impl From<$int> for $name {
            fn from(bits: $int) -> $name { $name(bits) }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}({:#x}: {})", stringify!($name), self.0, self)
            }
        }
    };
}
pub(crate) use flag_set;

#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($int:ty) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr => $label:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $int);

        #[allow(missing_docs)]
        impl $name {
            $( $(#[$vmeta])* pub const $variant: $name = $name($value); )*

            /// The spec's name of this value, or `None` when unknown.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( v if v == $value => Some($label), )*
                    _ => None,
                }
            }

            /// Every named value, in declaration order.
            pub const ALL: &'static [($int, &'static str)] = &[ $( ($value, $label) ),* ];
        }

        impl From<$int> for $name {
            fn from(value: $int) -> $name { $name(value) }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{:#x}", self.0),
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{}({:#x})", n, self.0),
                    None => write!(f, "{}({:#x})", stringify!($name), self.0),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_reports_missing_bytes() {
        assert_eq!(take(&[1, 2], 5), Err(ParseError::Incomplete { needed: 3 }));
        assert_eq!(take(&[1, 2, 3], 2), Ok((&[3u8][..], &[1u8, 2][..])));
    }
}
