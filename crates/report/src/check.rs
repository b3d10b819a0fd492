//! Every number of a report must be finite before it is written: serde_json would write
//! NaN and ±inf as `null`, indistinguishable from a missing value.
//!
//! The check is generic: [`finite`] serialises the value into a [`Checker`], a serde
//! `Serializer` that writes nothing, follows the field path and fails at the first
//! non-finite `f32`/`f64`. Every field of every report type is covered by construction — a
//! new field cannot be forgotten, unlike a hand-kept list of fields.

use serde::ser::{self, Serialize};

use crate::error::{Error, Result};

/// Checks that every float inside `value` is finite; the error names the field path
/// (`results[0].ops.swap_att.itm_accuracy`).
pub fn finite<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut c = Checker { path: Vec::new() };
    value.serialize(&mut c).map_err(|e| match e {
        CheckError::NotFinite { field, value } => Error::NotFinite { field, value },
        CheckError::Custom(message) => Error::Unserializable { message },
    })
}

/// The checker's error: the first non-finite number and its field path, or an error of a
/// type's own `Serialize` implementation.
#[derive(Debug)]
pub enum CheckError {
    NotFinite { field: String, value: f64 },
    Custom(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::NotFinite { field, value } => write!(f, "{field}: {value}"),
            CheckError::Custom(m) => f.write_str(m),
        }
    }
}
impl std::error::Error for CheckError {}
impl ser::Error for CheckError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CheckError::Custom(msg.to_string())
    }
}

/// A serializer that only inspects floats.
pub struct Checker {
    path: Vec<String>,
}

impl Checker {
    fn here(&self) -> String {
        let mut s = String::new();
        for p in &self.path {
            if p.starts_with('[') || s.is_empty() {
                s.push_str(p);
            } else {
                s.push('.');
                s.push_str(p);
            }
        }
        if s.is_empty() {
            s.push_str("<root>");
        }
        s
    }

    fn float(&self, v: f64) -> std::result::Result<(), CheckError> {
        if v.is_finite() {
            Ok(())
        } else {
            Err(CheckError::NotFinite {
                field: self.here(),
                value: v,
            })
        }
    }

    fn nested<T: Serialize + ?Sized>(
        &mut self,
        name: String,
        value: &T,
    ) -> std::result::Result<(), CheckError> {
        self.path.push(name);
        let r = value.serialize(&mut *self);
        self.path.pop();
        r
    }
}

type R = std::result::Result<(), CheckError>;

/// Compound state: counts sequence elements; map keys are rendered to name the path.
pub struct Compound<'a> {
    c: &'a mut Checker,
    index: usize,
    key: Option<String>,
}

impl<'a> ser::Serializer for &'a mut Checker {
    type Ok = ();
    type Error = CheckError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, _: bool) -> R {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> R {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> R {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> R {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> R {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> R {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> R {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> R {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> R {
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> R {
        self.float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> R {
        self.float(v)
    }
    fn serialize_char(self, _: char) -> R {
        Ok(())
    }
    fn serialize_str(self, _: &str) -> R {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> R {
        Ok(())
    }
    fn serialize_none(self) -> R {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_unit(self) -> R {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> R {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> R {
        self.nested(variant.to_string(), v)
    }
    fn serialize_seq(self, _: Option<usize>) -> std::result::Result<Compound<'a>, CheckError> {
        Ok(Compound {
            c: self,
            index: 0,
            key: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> std::result::Result<Compound<'a>, CheckError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> std::result::Result<Compound<'a>, CheckError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        len: usize,
    ) -> std::result::Result<Compound<'a>, CheckError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> std::result::Result<Compound<'a>, CheckError> {
        self.serialize_seq(len)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> std::result::Result<Compound<'a>, CheckError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        len: usize,
    ) -> std::result::Result<Compound<'a>, CheckError> {
        self.serialize_seq(Some(len))
    }
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        let name = format!("[{}]", self.index);
        self.index += 1;
        self.c.nested(name, v)
    }
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> R {
        self.c.nested(key.to_string(), v)
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = CheckError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.element(v)
    }
    fn end(self) -> R {
        Ok(())
    }
}
impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = CheckError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.element(v)
    }
    fn end(self) -> R {
        Ok(())
    }
}
impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = CheckError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.element(v)
    }
    fn end(self) -> R {
        Ok(())
    }
}
impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = CheckError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.element(v)
    }
    fn end(self) -> R {
        Ok(())
    }
}
impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = CheckError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> R {
        // map keys in reports are strings or integers; render them for the path
        self.key = Some(
            serde_json::to_value(k)
                .map(|v| match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .unwrap_or_else(|_| "?".into()),
        );
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        let key = self.key.take().unwrap_or_else(|| "?".into());
        self.field(&key, v)
    }
    fn end(self) -> R {
        Ok(())
    }
}
impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = CheckError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        self.field(key, v)
    }
    fn end(self) -> R {
        Ok(())
    }
}
impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = CheckError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        self.field(key, v)
    }
    fn end(self) -> R {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::finite;

    #[derive(Serialize)]
    struct Inner {
        x: f64,
        v: Vec<Option<f32>>,
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        ops: BTreeMap<String, Inner>,
    }

    fn outer(x: f64, y: f32) -> Outer {
        let mut ops = BTreeMap::new();
        ops.insert(
            "swap_att".to_string(),
            Inner {
                x,
                v: vec![None, Some(y)],
            },
        );
        Outer {
            name: "m".into(),
            ops,
        }
    }

    #[test]
    fn finite_values_pass() {
        finite(&outer(0.5, 1.0)).expect("finite");
    }

    #[test]
    fn non_finite_values_are_named_by_path() {
        let e = finite(&outer(f64::NAN, 1.0)).expect_err("nan").to_string();
        assert!(e.contains("ops.swap_att.x"), "{e}");
        let e = finite(&outer(0.0, f32::INFINITY))
            .expect_err("inf")
            .to_string();
        assert!(e.contains("ops.swap_att.v[1]"), "{e}");
    }
}
