//! One colour per reply class, the same in every chart and page, so readers learn them.
//! The reverse-DNS family shares one hue (reds).

use plotters::style::RGBColor;

use crate::classify::Class;

pub fn class_color(class: Class) -> RGBColor {
    match class {
        Class::RdnsMissing => RGBColor(183, 28, 28),
        Class::RdnsMismatch => RGBColor(229, 57, 53),
        Class::RdnsGeneric => RGBColor(239, 154, 154),
        Class::RateLimited => RGBColor(30, 136, 229),
        Class::Blocklisted => RGBColor(94, 53, 177),
        Class::Reputation => RGBColor(251, 140, 0),
        Class::AuthFailure => RGBColor(0, 137, 123),
        Class::Policy => RGBColor(124, 179, 66),
        Class::ContentSpam => RGBColor(216, 27, 96),
        Class::UserUnknown => RGBColor(109, 76, 65),
        Class::MailboxFull => RGBColor(141, 110, 99),
        Class::MailboxDisabled => RGBColor(161, 136, 127),
        Class::DomainInvalid => RGBColor(188, 170, 164),
        Class::Connection => RGBColor(69, 90, 100),
        Class::Tls => RGBColor(120, 144, 156),
        Class::MessageExpired => RGBColor(253, 216, 53),
        Class::TooLarge => RGBColor(255, 183, 77),
        Class::Other => RGBColor(189, 189, 189),
    }
}

/// `#rrggbb`, for HTML and SVG.
pub fn hex(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}

/// Series colours of the rate chart.
pub const RATE: RGBColor = RGBColor(21, 101, 192);
pub const ROLLING: RGBColor = RGBColor(239, 108, 0);
pub const PREV_DAY: RGBColor = RGBColor(120, 120, 120);
pub const ALERT: RGBColor = RGBColor(211, 47, 47);
pub const ATTEMPTS: RGBColor = RGBColor(144, 164, 174);
