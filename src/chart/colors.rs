//! The shared palette as plotters colours.

use plotters::style::RGBColor;

use crate::classify::Class;
use crate::palette::{self, Rgb};

const fn plotters(color: Rgb) -> RGBColor {
    RGBColor(color.0, color.1, color.2)
}

pub fn class_color(class: Class) -> RGBColor {
    plotters(palette::class_color(class))
}

pub const RATE: RGBColor = plotters(palette::RATE);
pub const ROLLING: RGBColor = plotters(palette::ROLLING);
pub const PREV_DAY: RGBColor = plotters(palette::PREV_DAY);
pub const ALERT: RGBColor = plotters(palette::ALERT);
pub const ATTEMPTS: RGBColor = plotters(palette::ATTEMPTS);
pub const RECOVERED: RGBColor = plotters(palette::RECOVERED);
