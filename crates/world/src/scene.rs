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
    /// Spatial relation `subject REL object`. The four directions are read on the grid (left
    /// / right of share a row, above / below share a column, with a clear gap); the three
    /// contact relations place the subject against its object when drawn: `next to` touches
    /// it on the side (neighbouring cell of the row), `on top of` rests on its top (cell
    /// above), `inside` sits within it (same cell; a small object in a large circle, square or
    /// hexagon, see [`Relation::fits`]).
    Relation {
        LeftOf => "left of",
        RightOf => "right of",
        Above => "above",
        Below => "below",
        NextTo => "next to",
        OnTopOf => "on top of",
        Inside => "inside",
    }
);

/// Shapes that can hold a small object inside them (their inner circle is wider than any
/// small object; checked on pixels by the tests).
pub const CONTAINERS: [Shape; 3] = [Shape::Circle, Shape::Square, Shape::Hexagon];

impl Relation {
    /// True when `object_cell` is where the relation puts the object, seen from `subject_cell`.
    pub fn holds_on_grid(self, subject_cell: [u8; 2], object_cell: [u8; 2]) -> bool {
        let sgn = |a: u8, b: u8| (b as i16 - a as i16).signum() as i8;
        let (dc, dr) = (
            object_cell[0] as i16 - subject_cell[0] as i16,
            object_cell[1] as i16 - subject_cell[1] as i16,
        );
        let signs = (
            sgn(subject_cell[0], object_cell[0]),
            sgn(subject_cell[1], object_cell[1]),
        );
        match self {
            Relation::LeftOf => signs == (1, 0),
            Relation::RightOf => signs == (-1, 0),
            Relation::Above => signs == (0, 1),
            Relation::Below => signs == (0, -1),
            Relation::NextTo => dr == 0 && dc.abs() == 1,
            Relation::OnTopOf => dc == 0 && dr == 1,
            Relation::Inside => dc == 0 && dr == 0,
        }
    }

    /// True for the contact relations, whose subject is drawn against its object rather than
    /// at its own cell ([`crate::render::centres`]).
    pub fn is_contact(self) -> bool {
        matches!(
            self,
            Relation::NextTo | Relation::OnTopOf | Relation::Inside
        )
    }

    /// True when one drawing can make both relations true in plain English (`on top of` is
    /// also `above`; `next to` is also `left of` or `right of`). A relation is compatible
    /// with itself. REPLACE_REL never replaces a relation with a compatible one, so the
    /// original caption is always false of the negative image.
    pub fn compatible(self, other: Relation) -> bool {
        use Relation::*;
        self == other
            || matches!(
                (self.min(other), self.max(other)),
                (Above, OnTopOf) | (LeftOf, NextTo) | (RightOf, NextTo)
            )
    }

    /// Whether the relation can hold between these two objects: `inside` needs a small
    /// subject and a large [`CONTAINERS`] object; the others hold between any two.
    pub fn fits(self, subject: &Object, object: &Object) -> bool {
        self != Relation::Inside
            || (subject.size == Size::Small
                && object.size == Size::Large
                && CONTAINERS.contains(&object.shape))
    }

    /// `1 / P(fits)` for two uniformly random objects: how much more likely a pair of fitting
    /// objects is in a scene drawn with this relation than in one drawn with a relation that
    /// fits any pair (a factor of [`Scene::probability`]).
    pub fn weight(self) -> f64 {
        match self {
            Relation::Inside => {
                let sizes = Size::ALL.len() as f64;
                sizes * sizes * Shape::ALL.len() as f64 / CONTAINERS.len() as f64
            }
            _ => 1.0,
        }
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
/// on their own in the caption. A contact relation's subject shares or neighbours its
/// object's cell and is drawn against it; every other object has a cell of its own.
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

    /// Category name recorded in [`clipprobe_bench::bench::Edit::category`].
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

/// The probability of one of `k` equally likely choices (0 when there are none).
fn uniform(k: usize) -> f64 {
    if k == 0 {
        0.0
    } else {
        1.0 / k as f64
    }
}

/// `cells.len()` when `cell` is one of `cells`, else 0 (a choice that was not possible).
fn count(cells: &[[u8; 2]], cell: [u8; 2]) -> usize {
    if cells.contains(&cell) {
        cells.len()
    } else {
        0
    }
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
    /// independent, except that an `inside` pair is drawn from the pairs it fits (small
    /// subject, large container), so no value or pairing is more likely in a caption than in
    /// its negative.
    pub fn random<R: Rng>(rng: &mut R, n: usize) -> Scene {
        let mut scene = Scene {
            objects: Vec::new(),
            relations: Vec::new(),
        };
        let mut i = 0;
        while i < n {
            if i + 1 < n {
                let relation = pick(rng, Relation::ALL);
                let s = pick(rng, &scene.subject_cells(relation));
                let o = pick(rng, &scene.cells_for(relation, s, None));
                let mut subject = Object::random(rng, s);
                let mut object = Object::random(rng, o);
                if relation == Relation::Inside {
                    subject.size = Size::Small;
                    object.size = Size::Large;
                    object.shape = pick(rng, &CONTAINERS);
                }
                scene.objects.extend([subject, object]);
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

    /// Free cells where a new subject of `relation` has room for its object
    /// ([`Scene::cells_for`]); never empty while at most one pair is placed (the grid is big
    /// enough for two pairs).
    pub fn subject_cells(&self, relation: Relation) -> Vec<[u8; 2]> {
        self.free_cells(None)
            .into_iter()
            .filter(|&s| !self.cells_for(relation, s, None).is_empty())
            .collect()
    }

    /// The probability that [`Scene::random`]`(rng, n)` draws this scene, `n` being its number
    /// of objects: its layout ([`Scene::layout_probability`]) times its objects' shapes,
    /// attributes and jitters (uniform and independent, except that the pair of an `inside`
    /// relation is uniform among the pairs it fits, so [`Relation::weight`] times as likely).
    /// Zero for an invalid scene ([`Scene::valid`]). REPLACE_REL's Metropolis–Hastings step
    /// ([`crate::ops`]) uses it as its target distribution.
    pub fn probability(&self) -> f64 {
        let jitter = (2 * MAX_JITTER as usize + 1).pow(2);
        let object = Shape::ALL.len() * Color::ALL.len() * Size::ALL.len() * Pattern::ALL.len();
        let weights: f64 = self.relations.iter().map(|l| l.relation.weight()).product();
        self.layout_probability()
            * weights
            * uniform(object * jitter).powi(self.objects.len() as i32)
    }

    /// The probability that [`Scene::random`]`(rng, n)` lays out this scene's relations and
    /// cells, replaying the generator's choices: for each relation in order, its word (1/7),
    /// its subject's cell ([`Scene::subject_cells`]) and its object's ([`Scene::cells_for`]),
    /// each uniform among the cells left free by the objects placed before; then each object
    /// in no relation, in index order, uniform among the free cells. A scene the generator does
    /// not make (e.g. one a later ADD_OBJ step gave a fourth, unrelated object) gets the
    /// probability of the same choices made in this order. Zero for an invalid scene.
    pub fn layout_probability(&self) -> f64 {
        if !self.valid() {
            return 0.0;
        }
        let mut placed = Scene {
            objects: Vec::new(),
            relations: Vec::new(),
        };
        let mut p = 1.0;
        for l in &self.relations {
            let (s, o) = (&self.objects[l.subject], &self.objects[l.object]);
            p *= uniform(Relation::ALL.len())
                * uniform(count(&placed.subject_cells(l.relation), s.cell))
                * uniform(count(&placed.cells_for(l.relation, s.cell, None), o.cell));
            placed.objects.extend([s.clone(), o.clone()]);
        }
        for i in self.singles() {
            let o = &self.objects[i];
            p *= uniform(count(&placed.free_cells(None), o.cell));
            placed.objects.push(o.clone());
        }
        p
    }

    /// Cells (free but for object `except`) where an object makes `relation` true of a
    /// subject at `subject_cell`: for `inside`, the subject's own cell.
    pub fn cells_for(
        &self,
        relation: Relation,
        subject_cell: [u8; 2],
        except: Option<usize>,
    ) -> Vec<[u8; 2]> {
        if relation == Relation::Inside {
            return vec![subject_cell];
        }
        self.free_cells(except)
            .into_iter()
            .filter(|&c| relation.holds_on_grid(subject_cell, c))
            .collect()
    }

    /// Whether every relation holds on the grid and fits its objects ([`Relation::fits`]):
    /// the scenes the generator and the operators may produce.
    pub fn valid(&self) -> bool {
        self.relations.iter().all(|l| {
            let (a, b) = (&self.objects[l.subject], &self.objects[l.object]);
            l.relation.holds_on_grid(a.cell, b.cell) && l.relation.fits(a, b)
        })
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
        let mut seen = std::collections::BTreeSet::new();
        for n in 1..=MAX_OBJECTS {
            for _ in 0..300 {
                let s = Scene::random(&mut rng, n);
                assert_eq!(s.objects.len(), n);
                assert_eq!(s.relations.len(), n / 2);
                assert!(s.valid(), "{s:?}");
                // one object per cell, except an inside pair that shares one
                let mut cells: Vec<_> = s.objects.iter().map(|o| o.cell).collect();
                cells.sort();
                cells.dedup();
                let shared = s
                    .relations
                    .iter()
                    .filter(|l| l.relation == Relation::Inside)
                    .count();
                assert_eq!(cells.len(), n - shared, "{s:?}");
                seen.extend(s.relations.iter().map(|l| l.relation));
            }
        }
        assert_eq!(seen.len(), Relation::ALL.len(), "{seen:?}");
    }

    #[test]
    fn relations_true_of_the_same_cells_are_compatible() {
        for a in cells() {
            for b in cells() {
                let hold: Vec<Relation> = Relation::ALL
                    .iter()
                    .copied()
                    .filter(|r| r.holds_on_grid(a, b))
                    .collect();
                for x in &hold {
                    for y in &hold {
                        assert!(x.compatible(*y), "{a:?} {b:?}: {x:?} and {y:?}");
                    }
                }
                let aligned = (a[0] == b[0]) != (a[1] == b[1]);
                assert_eq!(hold.is_empty(), !aligned && a != b, "{a:?} {b:?}: {hold:?}");
            }
        }
        assert!(Relation::NextTo.compatible(Relation::LeftOf));
        assert!(!Relation::NextTo.compatible(Relation::Above));
        assert!(!Relation::Inside.compatible(Relation::OnTopOf));
    }

    #[test]
    fn inside_fits_small_objects_in_large_containers_only() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (mut fit, mut all) = (0u32, 0u32);
        for _ in 0..8000 {
            let a = Object::random(&mut rng, [0, 0]);
            let b = Object::random(&mut rng, [0, 0]);
            all += 1;
            if Relation::Inside.fits(&a, &b) {
                fit += 1;
                assert!(a.size == Size::Small && b.size == Size::Large);
                assert!(CONTAINERS.contains(&b.shape));
            }
            assert!(Relation::LeftOf.fits(&a, &b));
        }
        // weight = 1 / P(fits): 8 for inside
        let rate = f64::from(fit) / f64::from(all);
        assert!(
            (rate * Relation::Inside.weight() - 1.0).abs() < 0.1,
            "{rate}"
        );
    }

    /// `layout_probability` is the generator's: over many scenes, each layout (relation words
    /// and cells) is drawn about as often as it predicts, and the layouts seen carry almost all
    /// of the probability; `probability` adds the attribute factor and is zero off the
    /// generator's support.
    #[test]
    fn probability_is_the_generators() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for n in 1..=MAX_OBJECTS {
            let draws = 100_000;
            let mut seen: std::collections::BTreeMap<_, (f64, f64)> = Default::default();
            for _ in 0..draws {
                let s = Scene::random(&mut rng, n);
                let key: (Vec<Relation>, Vec<[u8; 2]>) = (
                    s.relations.iter().map(|l| l.relation).collect(),
                    s.objects.iter().map(|o| o.cell).collect(),
                );
                let p = s.layout_probability();
                let e = seen.entry(key).or_insert((0.0, p));
                assert_eq!(e.1, p, "one layout, two probabilities: {s:?}");
                e.0 += 1.0;
            }
            let mass: f64 = seen.values().map(|v| v.1).sum();
            assert!(
                mass > 0.97 && mass < 1.0 + 1e-9,
                "n = {n}: seen mass {mass}"
            );
            for (key, (count, p)) in &seen {
                let expected = p * f64::from(draws);
                let sd = (expected * (1.0 - p)).sqrt().max(1.0);
                assert!(
                    (count - expected).abs() < 5.0 * sd,
                    "n = {n}, {key:?}: drawn {count} times, expected {expected:.1}"
                );
            }
        }
        let mut s = Scene::random(&mut ChaCha8Rng::seed_from_u64(1), 2);
        let inside = Scene {
            relations: vec![Link {
                relation: Relation::Inside,
                ..s.relations[0].clone()
            }],
            ..s.clone()
        };
        assert_eq!(inside.probability(), 0.0, "not valid: {inside:?}");
        let p = s.probability();
        s.objects[0].color = if s.objects[0].color == Color::Red {
            Color::Blue
        } else {
            Color::Red
        };
        assert_eq!(s.probability(), p, "attributes are uniform");
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
