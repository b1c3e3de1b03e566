//! `vocabulary!`: a fixed list of coded values (stored by code, shown by label), as used
//! for referral sources, needs, urgency, sex, ethnic category and contact channels.

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $err:literal { $($variant:ident => $code:literal, $label:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(into = "&'static str")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            pub fn parse(code: &str) -> Result<$name, &'static str> {
                let c = code.trim();
                Self::ALL.iter().copied().find(|v| v.code() == c).ok_or($err)
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.code()
            }
        }
    };
}
