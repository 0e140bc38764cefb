//! One colour per reply class and per chart series, the same in every chart and page, so
//! readers learn them. The reverse-DNS family shares one hue (reds).

use crate::classify::Class;

/// A colour as red, green and blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, for HTML and SVG.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

pub fn class_color(class: Class) -> Rgb {
    match class {
        Class::RdnsMissing => Rgb(183, 28, 28),
        Class::RdnsMismatch => Rgb(229, 57, 53),
        Class::RdnsGeneric => Rgb(239, 154, 154),
        Class::RateLimited => Rgb(30, 136, 229),
        Class::Blocklisted => Rgb(94, 53, 177),
        Class::Reputation => Rgb(251, 140, 0),
        Class::AuthFailure => Rgb(0, 137, 123),
        Class::Policy => Rgb(124, 179, 66),
        Class::ContentSpam => Rgb(216, 27, 96),
        Class::UserUnknown => Rgb(109, 76, 65),
        Class::MailboxFull => Rgb(141, 110, 99),
        Class::MailboxDisabled => Rgb(161, 136, 127),
        Class::DomainInvalid => Rgb(188, 170, 164),
        Class::Connection => Rgb(69, 90, 100),
        Class::Tls => Rgb(120, 144, 156),
        Class::MessageExpired => Rgb(253, 216, 53),
        Class::TooLarge => Rgb(255, 183, 77),
        Class::Other => Rgb(189, 189, 189),
    }
}

/// Series colours of the rate chart.
pub const RATE: Rgb = Rgb(21, 101, 192);
pub const ROLLING: Rgb = Rgb(239, 108, 0);
pub const PREV_DAY: Rgb = Rgb(120, 120, 120);
pub const ALERT: Rgb = Rgb(211, 47, 47);
pub const ATTEMPTS: Rgb = Rgb(144, 164, 174);
/// An incident's recovery mark.
pub const RECOVERED: Rgb = Rgb(46, 125, 50);
