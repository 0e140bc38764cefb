//! The reply classes (docs/classes.md): stable ids used in every output.

use serde::Serialize;

macro_rules! classes {
    ($($variant:ident => $id:literal,)*) => {
        /// One reply class. The ids are part of the product's interface.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(into = "&'static str")]
        pub enum Class { $($variant,)* }

        impl Class {
            pub const ALL: &'static [Class] = &[$(Class::$variant,)*];

            pub fn id(self) -> &'static str {
                match self { $(Class::$variant => $id,)* }
            }

            pub fn from_id(id: &str) -> Option<Class> {
                match id { $($id => Some(Class::$variant),)* _ => None }
            }
        }
    };
}

classes! {
    RdnsMissing => "rdns_missing",
    RdnsMismatch => "rdns_mismatch",
    RdnsGeneric => "rdns_generic",
    RateLimited => "rate_limited",
    Blocklisted => "blocklisted",
    Reputation => "reputation",
    AuthFailure => "auth_failure",
    Policy => "policy",
    ContentSpam => "content_spam",
    UserUnknown => "user_unknown",
    MailboxFull => "mailbox_full",
    MailboxDisabled => "mailbox_disabled",
    DomainInvalid => "domain_invalid",
    Connection => "connection",
    Tls => "tls",
    MessageExpired => "message_expired",
    TooLarge => "too_large",
    Other => "other",
}

impl Class {
    /// The reverse-DNS family: connection-layer identity failures.
    pub fn is_rdns(self) -> bool {
        matches!(
            self,
            Class::RdnsMissing | Class::RdnsMismatch | Class::RdnsGeneric
        )
    }
}

impl From<Class> for &'static str {
    fn from(class: Class) -> Self {
        class.id()
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
