//! A guard around a serde `Deserializer` that bounds what hostile bytes can make decoding do:
//! how deep it recurses and how much memory the decoded containers may take.
//!
//! It wraps the deserializer, every visitor, sequence, map and enum access it hands out, and
//! every seed, so that it sees each value as it is decoded, whatever the types are (the
//! checkpoint's records belong to other crates and change with them):
//!
//! - **Depth.** Each sequence, tuple, struct, map, `Some`, newtype and enum entered adds one
//!   level. Entering a level past [`MAX_DEPTH`] is refused *before* anything inside it is
//!   decoded, so no input recurses deeper than that: a scheduler state whose `children` nest
//!   thousands of levels is an error, not a stack overflow. A composite scheduler costs two
//!   levels per nesting (the list of children and the child), so 96 levels hold composites
//!   over 40 deep; real ones are two or three.
//! - **Memory.** Every element a sequence or map yields is charged its in-memory size
//!   (`size_of` of the element's type) against a budget of [`MEMORY_PER_BYTE`] times the
//!   section's length plus [`MEMORY_FIXED`], so bytes that decode to many small but wide
//!   values (a 3-byte empty record becoming a 100-byte struct) are refused once they would
//!   outgrow the file. The announced length of a sequence, which serde uses to preallocate
//!   (up to 1 MiB), is capped at the section's length (every element takes at least one
//!   byte), and the whole preallocation is charged with the first element, before it is
//!   decoded; so at most one uncharged preallocation exists at any time.
//! - **Strings** are requested borrowed (`deserialize_str`, `deserialize_bytes`), so a length
//!   prefix is checked against the bytes actually there before anything is allocated; each
//!   byte of the section ends up in at most one string.
//!
//! When a limit trips, decoding stops with the deserializer's error and [`Limits::tripped`]
//! says which limit, for a typed error.
//!
//! Speed: the forwarding runs for every value (every f32 of a checkpoint), so the methods on
//! that path are `#[inline(always)]`; without it a 16 MB checkpoint took 70 ms to load
//! instead of 22 ms (bincode alone: 19 ms).

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::size_of;

/// The deepest nesting of containers accepted (see the module docs).
pub const MAX_DEPTH: usize = 96;
/// Bytes of decoded containers allowed per byte of the section.
pub const MEMORY_PER_BYTE: usize = 8;
/// Bytes of decoded containers allowed on top of [`MEMORY_PER_BYTE`] per byte.
pub const MEMORY_FIXED: usize = 64 << 10;

/// Which limit stopped a decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tripped {
    /// Nesting deeper than [`MAX_DEPTH`].
    Depth,
    /// Decoded containers outgrowing the memory budget.
    Memory,
}

/// The limits of one decode, and which one tripped.
pub(crate) struct Limits {
    budget: Cell<usize>,
    total: usize,
    max_len: usize,
    tripped: Cell<Option<Tripped>>,
}

impl Limits {
    /// Limits for decoding a section of `len` bytes.
    pub(crate) fn for_section(len: usize) -> Limits {
        let total = len
            .saturating_mul(MEMORY_PER_BYTE)
            .saturating_add(MEMORY_FIXED);
        Limits {
            budget: Cell::new(total),
            total,
            max_len: len,
            tripped: Cell::new(None),
        }
    }

    /// The memory budget in bytes.
    pub(crate) fn memory_budget(&self) -> usize {
        self.total
    }

    /// Which limit stopped the decode, if one did.
    pub(crate) fn tripped(&self) -> Option<Tripped> {
        self.tripped.get()
    }

    fn trip<E: de::Error>(&self, which: Tripped, message: String) -> E {
        self.tripped.set(Some(which));
        E::custom(message)
    }

    fn charge<E: de::Error>(&self, bytes: usize) -> Result<(), E> {
        match self.budget.get().checked_sub(bytes) {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            None => Err(self.trip(
                Tripped::Memory,
                format!(
                    "decoded values would take more than {} bytes of memory",
                    self.total
                ),
            )),
        }
    }

    /// The depth inside a container entered at `depth`.
    fn enter<E: de::Error>(&self, depth: usize) -> Result<usize, E> {
        if depth >= MAX_DEPTH {
            return Err(self.trip(
                Tripped::Depth,
                format!("values nest more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(depth + 1)
    }
}

/// Deserializes a `T` through the guard: `seed(&limits).deserialize(deserializer)`.
pub(crate) fn seed<'l, T>(limits: &'l Limits) -> Seed<'l, PhantomData<T>> {
    Seed {
        seed: PhantomData,
        depth: 0,
        limits,
    }
}

/// A guarded deserializer: `depth` containers enclose the value it yields.
struct Guard<'l, D> {
    de: D,
    depth: usize,
    limits: &'l Limits,
}

/// Whether the containers a visitor receives allocate per element (sequences and maps) or
/// are fixed products (tuples, structs), which are part of their parent's allocation.
#[derive(Clone, Copy)]
enum Kind {
    Growable,
    Fixed,
}

impl<'l, D> Guard<'l, D> {
    #[inline(always)]
    fn visitor<V>(&self, v: V, kind: Kind) -> Guarded<'l, V> {
        Guarded {
            v,
            depth: self.depth,
            kind,
            limits: self.limits,
        }
    }
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*) => $inner:ident, $kind:ident;)*) => {
        $(
            #[inline(always)]
            fn $method<V: Visitor<'de>>(
                self,
                $($arg: $ty,)*
                visitor: V,
            ) -> Result<V::Value, Self::Error> {
                let v = self.visitor(visitor, Kind::$kind);
                self.de.$inner($($arg,)* v)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Guard<'_, D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any() => deserialize_any, Growable;
        deserialize_bool() => deserialize_bool, Fixed;
        deserialize_i8() => deserialize_i8, Fixed;
        deserialize_i16() => deserialize_i16, Fixed;
        deserialize_i32() => deserialize_i32, Fixed;
        deserialize_i64() => deserialize_i64, Fixed;
        deserialize_i128() => deserialize_i128, Fixed;
        deserialize_u8() => deserialize_u8, Fixed;
        deserialize_u16() => deserialize_u16, Fixed;
        deserialize_u32() => deserialize_u32, Fixed;
        deserialize_u64() => deserialize_u64, Fixed;
        deserialize_u128() => deserialize_u128, Fixed;
        deserialize_f32() => deserialize_f32, Fixed;
        deserialize_f64() => deserialize_f64, Fixed;
        deserialize_char() => deserialize_char, Fixed;
        deserialize_str() => deserialize_str, Fixed;
        // Borrowed on purpose: checked against the bytes present before any allocation.
        deserialize_string() => deserialize_str, Fixed;
        deserialize_bytes() => deserialize_bytes, Fixed;
        deserialize_byte_buf() => deserialize_bytes, Fixed;
        deserialize_option() => deserialize_option, Fixed;
        deserialize_unit() => deserialize_unit, Fixed;
        deserialize_unit_struct(name: &'static str) => deserialize_unit_struct, Fixed;
        deserialize_newtype_struct(name: &'static str) => deserialize_newtype_struct, Fixed;
        deserialize_seq() => deserialize_seq, Growable;
        deserialize_tuple(len: usize) => deserialize_tuple, Fixed;
        deserialize_tuple_struct(name: &'static str, len: usize) => deserialize_tuple_struct, Fixed;
        deserialize_map() => deserialize_map, Growable;
        deserialize_struct(name: &'static str, fields: &'static [&'static str]) => deserialize_struct, Fixed;
        deserialize_enum(name: &'static str, variants: &'static [&'static str]) => deserialize_enum, Fixed;
        deserialize_identifier() => deserialize_identifier, Fixed;
        deserialize_ignored_any() => deserialize_ignored_any, Growable;
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// A guarded visitor.
struct Guarded<'l, V> {
    v: V,
    depth: usize,
    kind: Kind,
    limits: &'l Limits,
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {
        $(
            #[inline(always)]
            fn $method<E: de::Error>(self, value: $ty) -> Result<Self::Value, E> {
                self.v.$method(value)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Guarded<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.v.expecting(f)
    }

    forward_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.v.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.v.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let depth = self.limits.enter(self.depth)?;
        self.v.visit_some(Guard {
            de: d,
            depth,
            limits: self.limits,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let depth = self.limits.enter(self.depth)?;
        self.v.visit_newtype_struct(Guard {
            de: d,
            depth,
            limits: self.limits,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let depth = self.limits.enter(self.depth)?;
        self.v.visit_seq(Access {
            inner: seq,
            depth,
            growable: matches!(self.kind, Kind::Growable),
            yielded: 0,
            announced: 0,
            limits: self.limits,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let depth = self.limits.enter(self.depth)?;
        self.v.visit_map(Access {
            inner: map,
            depth,
            growable: true,
            yielded: 0,
            announced: 0,
            limits: self.limits,
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let depth = self.limits.enter(self.depth)?;
        self.v.visit_enum(Access {
            inner: data,
            depth,
            growable: false,
            yielded: 0,
            announced: 0,
            limits: self.limits,
        })
    }
}

/// A guarded sequence, map, enum or variant access; its values are at `depth`.
struct Access<'l, A> {
    inner: A,
    depth: usize,
    growable: bool,
    /// Elements yielded so far, and the length announced before the first (capped).
    yielded: usize,
    announced: usize,
    limits: &'l Limits,
}

impl<'l, A> Access<'l, A> {
    #[inline(always)]
    fn seed<S>(&self, seed: S) -> Seed<'l, S> {
        Seed {
            seed,
            depth: self.depth,
            limits: self.limits,
        }
    }

    fn visitor<V>(&self, v: V) -> Guarded<'l, V> {
        Guarded {
            v,
            depth: self.depth,
            kind: Kind::Fixed,
            limits: self.limits,
        }
    }

    /// Charges the next element of `size` bytes (growable containers only): with the first,
    /// the preallocation its announced length allowed (`remaining`, read then); past the
    /// announced length, twice the size (growth); in between nothing (charged already).
    /// Cheap after the first element: this runs for every f32 of a checkpoint.
    #[inline(always)]
    fn charge<E: de::Error>(
        &mut self,
        size: usize,
        remaining: impl FnOnce(&A) -> Option<usize>,
    ) -> Result<(), E> {
        if !self.growable {
            return Ok(());
        }
        let bytes = if self.yielded == 0 {
            self.announced = remaining(&self.inner).unwrap_or(0).min(self.limits.max_len);
            size.saturating_mul(self.announced.max(1))
        } else if self.yielded >= self.announced {
            size.saturating_mul(2)
        } else {
            0
        };
        self.yielded += 1;
        if bytes == 0 {
            return Ok(());
        }
        self.limits.charge(bytes)
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Access<'_, A> {
    type Error = A::Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        // An empty sequence costs nothing.
        if self.yielded == 0 && self.inner.size_hint() == Some(0) {
            return self.inner.next_element_seed(self.seed(seed));
        }
        self.charge(size_of::<T::Value>(), A::size_hint)?;
        let seed = self.seed(seed);
        self.inner.next_element_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint().map(|n| n.min(self.limits.max_len))
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Access<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.yielded == 0 && self.inner.size_hint() == Some(0) {
            return self.inner.next_key_seed(self.seed(seed));
        }
        // Keys and values each charged twice their size (hash tables keep spare room).
        self.charge(2 * size_of::<K::Value>(), A::size_hint)?;
        let seed = self.seed(seed);
        self.inner.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.limits.charge(2 * size_of::<V::Value>())?;
        let seed = self.seed(seed);
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint().map(|n| n.min(self.limits.max_len))
    }
}

impl<'l, 'de, A: EnumAccess<'de>> EnumAccess<'de> for Access<'l, A> {
    type Error = A::Error;
    type Variant = Access<'l, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let seed = self.seed(seed);
        let (value, variant) = self.inner.variant_seed(seed)?;
        Ok((
            value,
            Access {
                inner: variant,
                depth: self.depth,
                growable: false,
                yielded: 0,
                announced: 0,
                limits: self.limits,
            },
        ))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Access<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        let seed = self.seed(seed);
        self.inner.newtype_variant_seed(seed)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, A::Error> {
        let v = self.visitor(v);
        self.inner.tuple_variant(len, v)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, A::Error> {
        let v = self.visitor(v);
        self.inner.struct_variant(fields, v)
    }
}

/// A guarded seed: deserializes its value through a [`Guard`] at `depth`.
pub(crate) struct Seed<'l, S> {
    seed: S,
    depth: usize,
    limits: &'l Limits,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
    type Value = S::Value;

    #[inline(always)]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Guard {
            de: d,
            depth: self.depth,
            limits: self.limits,
        })
    }
}
