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
