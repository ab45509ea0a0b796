//! Rates that survive a JSON round trip bit for bit.
//!
//! serde_json (without its `float_roundtrip` feature) reads some 17-digit decimals one ulp
//! off, and writes infinities and NaN as `null`. A resumed chainable schedule would then drift
//! from an uninterrupted one in the last bits. In human-readable formats a value is therefore
//! written as a plain number when serde_json reads that number back exactly, and otherwise
//! as a string holding Rust's shortest exact decimal (`"0.0029503989821457522"`, `"inf"`,
//! `"-inf"`, `"NaN"`). Binary formats get the raw `f64`. Reading accepts both forms.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One `f64` in the exact encoding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Exact(pub f64);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if !s.is_human_readable() {
            return s.serialize_f64(x);
        }
        if x.is_finite() {
            let text = serde_json::to_string(&x).expect("finite floats serialize");
            if serde_json::from_str::<f64>(&text).ok() == Some(x) {
                return s.serialize_f64(x);
            }
            return s.serialize_str(&format!("{x:?}"));
        }
        s.serialize_str(if x.is_nan() {
            "NaN"
        } else if x > 0.0 {
            "inf"
        } else {
            "-inf"
        })
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Exact;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string holding a number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Exact, E> {
                Ok(Exact(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Exact, E> {
                Ok(Exact(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Exact, E> {
                Ok(Exact(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Exact, E> {
                v.parse::<f64>()
                    .map(Exact)
                    .map_err(|_| E::custom(format!("not a number: {v:?}")))
            }
        }
        if d.is_human_readable() {
            d.deserialize_any(V)
        } else {
            d.deserialize_f64(V)
        }
    }
}

/// `#[serde(with = "exact::scalar")]` for one `f64`.
pub(crate) mod scalar {
    use super::Exact;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        Exact(*x).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Exact::deserialize(d)?.0)
    }
}

/// `#[serde(with = "exact::vec")]` for `Vec<f64>`.
pub(crate) mod vec {
    use super::Exact;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter().map(|&x| Exact(x)).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Exact>::deserialize(d)?
            .into_iter()
            .map(|e| e.0)
            .collect())
    }
}

/// `#[serde(with = "exact::pairs")]` for `Vec<(String, f64)>`.
pub(crate) mod pairs {
    use super::Exact;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|(n, x)| (n.as_str(), Exact(*x)))
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
        Ok(Vec::<(String, Exact)>::deserialize(d)?
            .into_iter()
            .map(|(n, e)| (n, e.0))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_bit_for_bit() {
        let xs = [
            0.0029503989821457522,
            1.7175493154129053e-47,
            0.1,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
        ];
        for x in xs {
            let s = serde_json::to_string(&Exact(x)).unwrap();
            let y: Exact = serde_json::from_str(&s).unwrap();
            assert_eq!(x.to_bits(), y.0.to_bits(), "{x:?} via {s}");
        }
        let s = serde_json::to_string(&Exact(f64::NAN)).unwrap();
        assert!(serde_json::from_str::<Exact>(&s).unwrap().0.is_nan());
        // plain numbers stay plain
        assert_eq!(serde_json::to_string(&Exact(0.1)).unwrap(), "0.1");
    }
}
