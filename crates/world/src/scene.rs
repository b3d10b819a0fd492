//! The scene graph: objects with a shape and three attributes (colour, size, pattern), placed on
//! a 3 × 3 grid, and binary spatial relations between some of them.
//!
//! Concepts are addressed by [`Slot`]s; [`diff`] lists the slots in which two scenes differ,
//! which is how the depth proof of [`crate::ops`] is checked.

use std::collections::BTreeSet;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// Most objects in a scene (the grid has 9 cells; 4 leaves room to move and add objects).
pub const MAX_OBJECTS: usize = 4;
/// Cells per grid side.
pub const GRID: u8 = 3;
/// Largest jitter of an object's centre inside its cell, in pixels (each axis).
pub const MAX_JITTER: i8 = 8;

macro_rules! vocab {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The caption word.
            pub fn word(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }
    };
}

vocab!(
    /// Shape of an object: the object noun of its caption.
    Shape {
        Circle => "circle",
        Square => "square",
        Triangle => "triangle",
        Diamond => "diamond",
        Hexagon => "hexagon",
        Star => "star",
    }
);

vocab!(
    /// Fill colour, eight hues far apart in RGB (values in [`crate::render`]).
    Color {
        Red => "red",
        Orange => "orange",
        Yellow => "yellow",
        Green => "green",
        Blue => "blue",
        Purple => "purple",
        Pink => "pink",
        Brown => "brown",
    }
);

vocab!(
    /// Size of an object (radius in [`crate::render`]).
    Size {
        Small => "small",
        Large => "large",
    }
);

vocab!(
    /// Surface pattern; `solid` is not said in captions (so ADD_ATT adds a pattern).
    Pattern {
        Solid => "solid",
        Striped => "striped",
        Dotted => "dotted",
    }
);

vocab!(
    /// Spatial relation `subject REL object`, read on the grid: left/right of share a row,
    /// above/below share a column.
    Relation {
        LeftOf => "left of",
        RightOf => "right of",
        Above => "above",
        Below => "below",
    }
);

impl Relation {
    /// The grid step from subject to object that makes the relation true: `(dcol, drow)` signs.
    fn direction(self) -> (i8, i8) {
        match self {
            Relation::LeftOf => (1, 0),
            Relation::RightOf => (-1, 0),
            Relation::Above => (0, 1),
            Relation::Below => (0, -1),
        }
    }

    /// True when `object_cell` is where the relation puts the object, seen from `subject_cell`.
    pub fn holds_on_grid(self, subject_cell: [u8; 2], object_cell: [u8; 2]) -> bool {
        let (dc, dr) = self.direction();
        let sgn = |a: u8, b: u8| (b as i16 - a as i16).signum() as i8;
        sgn(subject_cell[0], object_cell[0]) == dc && sgn(subject_cell[1], object_cell[1]) == dr
    }
}

/// One object of a scene.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    pub shape: Shape,
    pub color: Color,
    pub size: Size,
    pub pattern: Pattern,
    /// `[column, row]` on the grid, each in `0..GRID`.
    pub cell: [u8; 2],
    /// Offset of the centre from the cell centre, pixels, each in `-MAX_JITTER..=MAX_JITTER`.
    pub jitter: [i8; 2],
}

/// `subject relation object`, indices into [`Scene::objects`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub subject: usize,
    pub relation: Relation,
    pub object: usize,
}

/// A scene graph. Each object takes part in at most one relation; objects in none are listed
/// on their own in the caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scene {
    pub objects: Vec<Object>,
    pub relations: Vec<Link>,
}

/// The kind of attribute an attribute slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Color,
    Size,
    Pattern,
}

impl Attribute {
    pub const ALL: [Attribute; 3] = [Attribute::Color, Attribute::Size, Attribute::Pattern];

    /// Category name recorded in [`clipprobe_probe::bench::Edit::category`].
    pub fn name(self) -> &'static str {
        match self {
            Attribute::Color => "color",
            Attribute::Size => "size",
            Attribute::Pattern => "pattern",
        }
    }
}

/// One atomic concept of a scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "slot", content = "index")]
pub enum Slot {
    /// The existence of object `i` (its whole noun phrase).
    Object(usize),
    /// The shape (object noun) of object `i`.
    Shape(usize),
    Color(usize),
    Size(usize),
    Pattern(usize),
    /// The relation word of `relations[k]`.
    Relation(usize),
}

impl Slot {
    /// The attribute slot of object `i`.
    pub fn attribute(a: Attribute, i: usize) -> Slot {
        match a {
            Attribute::Color => Slot::Color(i),
            Attribute::Size => Slot::Size(i),
            Attribute::Pattern => Slot::Pattern(i),
        }
    }

    /// The object the slot belongs to (`None` for a relation).
    pub fn object(self) -> Option<usize> {
        match self {
            Slot::Object(i)
            | Slot::Shape(i)
            | Slot::Color(i)
            | Slot::Size(i)
            | Slot::Pattern(i) => Some(i),
            Slot::Relation(_) => None,
        }
    }
}

impl Object {
    /// Reads one attribute as its caption word (`solid` for no pattern).
    pub fn attribute_word(&self, a: Attribute) -> &'static str {
        match a {
            Attribute::Color => self.color.word(),
            Attribute::Size => self.size.word(),
            Attribute::Pattern => self.pattern.word(),
        }
    }

    /// Exchanges attribute `a` with `other`.
    pub fn swap_attribute(&mut self, other: &mut Object, a: Attribute) {
        match a {
            Attribute::Color => std::mem::swap(&mut self.color, &mut other.color),
            Attribute::Size => std::mem::swap(&mut self.size, &mut other.size),
            Attribute::Pattern => std::mem::swap(&mut self.pattern, &mut other.pattern),
        }
    }

    /// A uniformly random object (shape and attributes) at `cell`.
    pub fn random<R: Rng>(rng: &mut R, cell: [u8; 2]) -> Object {
        Object {
            shape: pick(rng, Shape::ALL),
            color: pick(rng, Color::ALL),
            size: pick(rng, Size::ALL),
            pattern: pick(rng, Pattern::ALL),
            cell,
            jitter: [
                rng.random_range(-MAX_JITTER..=MAX_JITTER),
                rng.random_range(-MAX_JITTER..=MAX_JITTER),
            ],
        }
    }
}

/// A uniform choice from a non-empty slice.
pub fn pick<R: Rng, T: Copy>(rng: &mut R, from: &[T]) -> T {
    from[rng.random_range(0..from.len())]
}

/// Every grid cell in row-major order.
pub fn cells() -> impl Iterator<Item = [u8; 2]> {
    (0..GRID).flat_map(|r| (0..GRID).map(move |c| [c, r]))
}

impl Scene {
    /// Cells not occupied by any object except `except`.
    pub fn free_cells(&self, except: Option<usize>) -> Vec<[u8; 2]> {
        cells()
            .filter(|c| {
                self.objects
                    .iter()
                    .enumerate()
                    .all(|(i, o)| Some(i) == except || o.cell != *c)
            })
            .collect()
    }

    /// Objects not in any relation, in index order.
    pub fn singles(&self) -> Vec<usize> {
        (0..self.objects.len())
            .filter(|&i| {
                self.relations
                    .iter()
                    .all(|l| l.subject != i && l.object != i)
            })
            .collect()
    }

    /// A random scene of `n` objects (`1..=MAX_OBJECTS`): objects 0–1 and 2–3 are related by a
    /// uniform relation, a third object of three stands alone; attributes are uniform and
    /// independent, so no value or pairing is more likely in a caption than in its negative.
    pub fn random<R: Rng>(rng: &mut R, n: usize) -> Scene {
        let mut scene = Scene {
            objects: Vec::new(),
            relations: Vec::new(),
        };
        let mut i = 0;
        while i < n {
            if i + 1 < n {
                let relation = pick(rng, Relation::ALL);
                // a subject cell with room for the object; the grid is big enough for two pairs
                let subjects: Vec<[u8; 2]> = scene
                    .free_cells(None)
                    .into_iter()
                    .filter(|&s| !scene.cells_for(relation, s, None).is_empty())
                    .collect();
                let s = pick(rng, &subjects);
                scene.objects.push(Object::random(rng, s));
                let o = pick(rng, &scene.cells_for(relation, s, None));
                scene.objects.push(Object::random(rng, o));
                scene.relations.push(Link {
                    subject: i,
                    relation,
                    object: i + 1,
                });
                i += 2;
            } else {
                let c = pick(rng, &scene.free_cells(None));
                scene.objects.push(Object::random(rng, c));
                i += 1;
            }
        }
        scene
    }

    /// Free cells (ignoring object `except`) where an object makes `relation` true of a subject
    /// at `subject_cell`.
    pub fn cells_for(
        &self,
        relation: Relation,
        subject_cell: [u8; 2],
        except: Option<usize>,
    ) -> Vec<[u8; 2]> {
        self.free_cells(except)
            .into_iter()
            .filter(|&c| relation.holds_on_grid(subject_cell, c))
            .collect()
    }
}

/// The concept slots in which `b` differs from `a`: attributes and shapes of objects both
/// have, relations both have (by index; their endpoints must match), and `Object(i)` for each
/// object only `b` has. Positions are rendering detail, not concepts, and are not compared.
/// Returns `None` when `b` is not `a` with edits (fewer objects, or relations re-wired).
pub fn diff(a: &Scene, b: &Scene) -> Option<BTreeSet<Slot>> {
    if b.objects.len() < a.objects.len() || b.relations.len() != a.relations.len() {
        return None;
    }
    let mut out = BTreeSet::new();
    for (i, (x, y)) in a.objects.iter().zip(&b.objects).enumerate() {
        if x.shape != y.shape {
            out.insert(Slot::Shape(i));
        }
        for at in Attribute::ALL {
            if x.attribute_word(at) != y.attribute_word(at) {
                out.insert(Slot::attribute(at, i));
            }
        }
    }
    for i in a.objects.len()..b.objects.len() {
        out.insert(Slot::Object(i));
    }
    for (k, (x, y)) in a.relations.iter().zip(&b.relations).enumerate() {
        if x.subject != y.subject || x.object != y.object {
            return None;
        }
        if x.relation != y.relation {
            out.insert(Slot::Relation(k));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn random_scenes_respect_the_grid_and_relations() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for n in 1..=MAX_OBJECTS {
            for _ in 0..200 {
                let s = Scene::random(&mut rng, n);
                assert_eq!(s.objects.len(), n);
                assert_eq!(s.relations.len(), n / 2);
                let mut cells: Vec<_> = s.objects.iter().map(|o| o.cell).collect();
                cells.sort();
                cells.dedup();
                assert_eq!(cells.len(), n, "one object per cell");
                for l in &s.relations {
                    let (a, b) = (&s.objects[l.subject], &s.objects[l.object]);
                    assert!(l.relation.holds_on_grid(a.cell, b.cell), "{l:?}");
                }
            }
        }
    }

    #[test]
    fn grid_relations_are_exclusive() {
        for a in cells() {
            for b in cells() {
                let n = Relation::ALL
                    .iter()
                    .filter(|r| r.holds_on_grid(a, b))
                    .count();
                let aligned = (a[0] == b[0]) != (a[1] == b[1]);
                assert_eq!(n, usize::from(aligned), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn diff_finds_each_kind_of_change() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let a = Scene::random(&mut rng, 3);
        assert_eq!(diff(&a, &a), Some(BTreeSet::new()));
        let mut b = a.clone();
        b.objects[0].color = if a.objects[0].color == Color::Red {
            Color::Blue
        } else {
            Color::Red
        };
        b.objects.push(Object::random(&mut rng, [0, 0]));
        assert_eq!(
            diff(&a, &b),
            Some([Slot::Color(0), Slot::Object(3)].into_iter().collect())
        );
        assert_eq!(diff(&b, &a), None, "removing an object is not an edit");
    }
}
