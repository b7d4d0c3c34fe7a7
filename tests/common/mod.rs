//! Helpers shared by the property-test files.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every test file uses all

use iotlabel::time::DateValue;
use iotlabel::value::{PropertyType, SetItem, Value, Version};

/// A value of a property type, derived from a seed (for generated profiles).
pub fn value_for(ty: &PropertyType, seed: u64) -> Value {
    match ty {
        PropertyType::Bool => Value::Bool(seed.is_multiple_of(2)),
        PropertyType::Int { min, max } => {
            let lo = min.unwrap_or(-5);
            let hi = max.unwrap_or(400).max(lo);
            Value::Int(lo + (seed % ((hi - lo) as u64 + 1)) as i64)
        }
        PropertyType::Enum(vals) => Value::Enum((seed % vals.len() as u64) as u16),
        PropertyType::Version => {
            Value::Version(Version(vec![(seed % 4) as u32, ((seed / 4) % 4) as u32]))
        }
        PropertyType::Date => {
            let s = format!("{}-{:02}", 2020 + (seed % 15), 1 + (seed / 15) % 12);
            Value::Date(DateValue::parse(&s).expect("date"))
        }
        PropertyType::Url => Value::Url(format!("https://example.com/{seed}")),
        PropertyType::Text => Value::Text(format!("text {seed}")),
        PropertyType::Set(SetItem::Int) => {
            let mut v: Vec<i64> = [22, 80, 443, 8080, 1883]
                .iter()
                .copied()
                .filter(|p| seed & (1 << (p % 5)) != 0)
                .collect();
            v.sort_unstable();
            v.dedup();
            Value::IntSet(v)
        }
        PropertyType::Set(SetItem::String) => {
            let mut v: Vec<String> = ["ble", "mqtt", "wifi"]
                .iter()
                .filter(|_| !seed.is_multiple_of(3))
                .map(|s| s.to_string())
                .collect();
            v.sort();
            Value::StrSet(v)
        }
    }
}
