//! The seven operators on the scene graph, and iterated edits with a depth proof.
//!
//! | op | scene edit | slots changed |
//! |---|---|---|
//! | `replace_obj` | one object's shape becomes another shape | `Shape(i)` |
//! | `replace_att` | one object's colour or size becomes another value, or its pattern striped ↔ dotted | one attribute slot |
//! | `replace_rel` | one relation becomes another, incompatible one; its object moves to a cell where the new one holds | `Relation(k)` |
//! | `swap_obj` | two objects of different shapes exchange shapes | `Shape(i)`, `Shape(j)` |
//! | `swap_att` | two objects exchange differing colours, sizes or patterns | two attribute slots |
//! | `add_obj` | a random object joins on a free cell, in no relation | `Object(n)` |
//! | `add_att` | a solid object gets stripes or dots | `Pattern(i)` |
//!
//! **Depth proof.** A chain of K steps keeps a set of *locked* slots: every slot a step changes,
//! plus all slots of an added object. A step may only change unlocked slots, and it always
//! changes each of its slots to a value different from the current one. Since no slot is
//! changed twice, the current value of a changed slot is its original value, so each step's
//! slots differ from the original at the end (no undo), and no later step rewrites them (no
//! overwrite). Hence [`diff`]`(original, final)` is exactly the disjoint union of the K steps'
//! slots: the result differs from the original in exactly K atomic edits. [`verify_chain`]
//! checks this on every generated chain.
//!
//! **Validity.** Every step yields a valid scene ([`Scene::valid`]): an edit that would break a
//! relation's preconditions (a size or shape edit on an `inside` pair) is not among the
//! candidates. `replace_rel` is a Metropolis–Hastings step ([`replace_rel`]) in detailed
//! balance with the scene generator's distribution, and never swaps a relation for one the same
//! drawing could also make true (`above` / `on top of`, `left of` / `next to`).

use std::collections::BTreeSet;

use clipprobe_bench::bench::Op;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::scene::{
    diff, pick, Attribute, Color, Object, Pattern, Relation, Scene, Shape, Size, Slot, MAX_OBJECTS,
};

/// One applied operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub op: Op,
    /// The concept slots the step changed (as [`diff`] sees them).
    pub slots: Vec<Slot>,
    /// Category of the concept (`shape`, `color`, `size`, `pattern`, `spatial`, `object`).
    pub category: &'static str,
}

fn others<T: Copy + PartialEq>(all: &[T], not: T) -> Vec<T> {
    all.iter().copied().filter(|&v| v != not).collect()
}

fn free(locked: &BTreeSet<Slot>, slots: &[Slot]) -> bool {
    slots.iter().all(|s| !locked.contains(s))
}

/// One possible edit: the scene after it, its slots and its category.
type Outcome = (Scene, Vec<Slot>, &'static str);

/// Picks a site (an object, attribute or pair to edit) uniformly among those with at least
/// one valid outcome ([`Scene::valid`]), then one of its valid outcomes uniformly.
fn choose<R: Rng>(rng: &mut R, sites: Vec<Vec<Outcome>>) -> Option<Outcome> {
    let mut sites: Vec<Vec<Outcome>> = sites
        .into_iter()
        .map(|v| v.into_iter().filter(|o| o.0.valid()).collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .collect();
    if sites.is_empty() {
        return None;
    }
    let k = rng.random_range(0..sites.len());
    let mut site = sites.swap_remove(k);
    let j = rng.random_range(0..site.len());
    Some(site.swap_remove(j))
}

/// `scene` with `edit` applied to a copy.
fn edited(scene: &Scene, edit: impl FnOnce(&mut Scene)) -> Scene {
    let mut s = scene.clone();
    edit(&mut s);
    s
}

/// The outcomes of setting one value of object `i` to each of `values`.
fn site<T: Copy>(
    scene: &Scene,
    i: usize,
    values: Vec<T>,
    (slot, category): (Slot, &'static str),
    set: fn(&mut Object, T),
) -> Vec<Outcome> {
    values
        .into_iter()
        .map(|v| {
            (
                edited(scene, |s| set(&mut s.objects[i], v)),
                vec![slot],
                category,
            )
        })
        .collect()
}

/// The relations REPLACE_REL may put in place of `scene.relations[k]`, each with the cells
/// its object may move to: relations incompatible with the current one
/// ([`Relation::compatible`]) that fit the two objects and have a free cell.
fn rel_moves(scene: &Scene, k: usize) -> Vec<(Relation, Vec<[u8; 2]>)> {
    let l = &scene.relations[k];
    let (subject, object) = (&scene.objects[l.subject], &scene.objects[l.object]);
    Relation::ALL
        .iter()
        .filter(|r| !r.compatible(l.relation) && r.fits(subject, object))
        .map(|&r| (r, scene.cells_for(r, subject.cell, Some(l.object))))
        .filter(|(_, cells)| !cells.is_empty())
        .collect()
}

/// Probability that REPLACE_REL, once it picked relation `k` of `from`, proposes `to`: a
/// uniform move of [`rel_moves`], then a uniform cell of it. Zero when `to` is not one.
fn rel_proposal(from: &Scene, k: usize, to: &Scene) -> f64 {
    let moves = rel_moves(from, k);
    let object = to.objects[to.relations[k].object].cell;
    moves
        .iter()
        .find(|(r, cells)| *r == to.relations[k].relation && cells.contains(&object))
        .map_or(0.0, |(_, cells)| 1.0 / (moves.len() * cells.len()) as f64)
}

/// REPLACE_REL as a Metropolis–Hastings step whose target is the scene generator's own
/// distribution ([`Scene::probability`]), so that (original, negative) scene pairs are
/// exactly as likely as (negative, original) pairs: the relation words, the objects and their
/// cells tell a blind reader nothing about which caption is true. It picks an unlocked
/// relation `k` uniformly, proposes a move of [`rel_moves`] and a cell for the object
/// uniformly (proposal probability `q`, [`rel_proposal`]), and accepts the new scene `t` of
/// scene `s` with probability `min(1, P(t) q(t → s) / (P(s) q(s → t)))`. Detailed balance
/// then holds for every pair: `P(s) q(s → t) a(s, t) = P(t) q(t → s) a(t, s)`. A rejected
/// proposal gives no row (a retry would break the balance).
fn replace_rel<R: Rng>(scene: &Scene, locked: &BTreeSet<Slot>, rng: &mut R) -> Option<Outcome> {
    let ks: Vec<usize> = (0..scene.relations.len())
        .filter(|&k| free(locked, &[Slot::Relation(k)]))
        .collect();
    let k = *ks.get(rng.random_range(0..ks.len().max(1)))?;
    let moves = rel_moves(scene, k);
    if moves.is_empty() {
        return None;
    }
    let (relation, cells) = &moves[rng.random_range(0..moves.len())];
    let cell = pick(rng, cells);
    let object = scene.relations[k].object;
    let s = edited(scene, |s| {
        s.relations[k].relation = *relation;
        s.objects[object].cell = cell;
    });
    let forward = scene.probability() * rel_proposal(scene, k, &s);
    let backward = s.probability() * rel_proposal(&s, k, scene);
    let u: f64 = rng.random();
    (forward > 0.0 && u * forward < backward).then_some((s, vec![Slot::Relation(k)], "spatial"))
}

/// Applies `op` to `scene` at random among its applicable edits whose slots are not `locked`
/// and whose result is a valid scene ([`Scene::valid`]: e.g. an object inside another stays
/// small, its container large and hollow). Returns the new scene and the step, or `None`
/// when `op` has no applicable edit (or, for `replace_rel`, its proposal is rejected).
pub fn apply<R: Rng>(
    scene: &Scene,
    op: Op,
    locked: &BTreeSet<Slot>,
    rng: &mut R,
) -> Option<(Scene, Step)> {
    let n = scene.objects.len();
    let objs = &scene.objects;
    let outcome = match op {
        Op::ReplaceObj => choose(
            rng,
            (0..n)
                .filter(|&i| free(locked, &[Slot::Shape(i)]))
                .map(|i| {
                    let values = others(Shape::ALL, objs[i].shape);
                    site(scene, i, values, (Slot::Shape(i), "shape"), |o, v| {
                        o.shape = v
                    })
                })
                .collect(),
        ),
        Op::ReplaceAtt => choose(
            rng,
            (0..n)
                .flat_map(|i| Attribute::ALL.map(|a| (i, a)))
                .filter(|&(i, a)| {
                    free(locked, &[Slot::attribute(a, i)])
                        && (a != Attribute::Pattern || objs[i].pattern != Pattern::Solid)
                })
                .map(|(i, a)| {
                    let o = &objs[i];
                    let key = (Slot::attribute(a, i), a.name());
                    match a {
                        Attribute::Color => {
                            site(scene, i, others(Color::ALL, o.color), key, |o, v| {
                                o.color = v
                            })
                        }
                        Attribute::Size => {
                            site(scene, i, others(Size::ALL, o.size), key, |o, v| o.size = v)
                        }
                        Attribute::Pattern => {
                            let patterned = others(Pattern::ALL, Pattern::Solid);
                            let values = others(&patterned, o.pattern);
                            site(scene, i, values, key, |o, v| o.pattern = v)
                        }
                    }
                })
                .collect(),
        ),
        Op::ReplaceRel => replace_rel(scene, locked, rng),
        Op::SwapObj => choose(
            rng,
            pairs(n)
                .filter(|&(i, j)| {
                    free(locked, &[Slot::Shape(i), Slot::Shape(j)])
                        && objs[i].shape != objs[j].shape
                })
                .map(|(i, j)| {
                    let s = edited(scene, |s| {
                        s.objects[i].shape = objs[j].shape;
                        s.objects[j].shape = objs[i].shape;
                    });
                    vec![(s, vec![Slot::Shape(i), Slot::Shape(j)], "shape")]
                })
                .collect(),
        ),
        Op::SwapAtt => choose(
            rng,
            pairs(n)
                .flat_map(|(i, j)| Attribute::ALL.map(|a| (i, j, a)))
                .filter(|&(i, j, a)| {
                    free(locked, &[Slot::attribute(a, i), Slot::attribute(a, j)])
                        && objs[i].attribute_word(a) != objs[j].attribute_word(a)
                })
                .map(|(i, j, a)| {
                    let s = edited(scene, |s| {
                        let (left, right) = s.objects.split_at_mut(j);
                        left[i].swap_attribute(&mut right[0], a);
                    });
                    let slots = vec![Slot::attribute(a, i), Slot::attribute(a, j)];
                    vec![(s, slots, a.name())]
                })
                .collect(),
        ),
        Op::AddObj => {
            let cells = scene.free_cells(None);
            if n >= MAX_OBJECTS || cells.is_empty() || !free(locked, &[Slot::Object(n)]) {
                return None;
            }
            let cell = pick(rng, &cells);
            let o = Object::random(rng, cell);
            let s = edited(scene, |s| s.objects.push(o));
            Some((s, vec![Slot::Object(n)], "object"))
        }
        Op::AddAtt => choose(
            rng,
            (0..n)
                .filter(|&i| free(locked, &[Slot::Pattern(i)]) && objs[i].pattern == Pattern::Solid)
                .map(|i| {
                    let values = others(Pattern::ALL, Pattern::Solid);
                    site(scene, i, values, (Slot::Pattern(i), "pattern"), |o, v| {
                        o.pattern = v
                    })
                })
                .collect(),
        ),
    };
    let (s, slots, category) = outcome?;
    Some((
        s,
        Step {
            op,
            slots,
            category,
        },
    ))
}

fn pairs(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |i| (i + 1..n).map(move |j| (i, j)))
}

/// The slots a step locks: its own, and every slot of an object it added.
fn locks(step: &Step) -> Vec<Slot> {
    step.slots
        .iter()
        .flat_map(|&s| match s {
            Slot::Object(i) => vec![
                s,
                Slot::Shape(i),
                Slot::Color(i),
                Slot::Size(i),
                Slot::Pattern(i),
            ],
            _ => vec![s],
        })
        .collect()
}

/// A chain of edits: `scenes[0]` is the original, `scenes[k + 1]` the result of `steps[k]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub scenes: Vec<Scene>,
    pub steps: Vec<Step>,
}

/// Attempts at steps 2…K of a chain before it is given up.
const TRIES: usize = 4;

/// Applies `depth` operators to `scene`: `first` (once: a rejected `replace_rel` proposal
/// is not retried, which would bias its distribution), then operators drawn from `pool` (in
/// random order until one applies; the later steps are redrawn up to [`TRIES`] times when
/// some step finds no edit). `None` when the chain cannot be built.
pub fn chain<R: Rng>(
    scene: &Scene,
    first: Op,
    pool: &[Op],
    depth: u32,
    rng: &mut R,
) -> Option<Chain> {
    let (next, step) = apply(scene, first, &BTreeSet::new(), rng)?;
    let locked: BTreeSet<Slot> = locks(&step).into_iter().collect();
    let start = Chain {
        scenes: vec![scene.clone(), next],
        steps: vec![step],
    };
    (0..TRIES).find_map(|_| {
        let mut c = start.clone();
        let mut locked = locked.clone();
        for _ in 1..depth {
            let mut order = pool.to_vec();
            order.shuffle(rng);
            let cur = c.scenes.last()?;
            let (next, step) = order
                .into_iter()
                .find_map(|op| apply(cur, op, &locked, rng))?;
            locked.extend(locks(&step));
            c.scenes.push(next);
            c.steps.push(step);
        }
        Some(c)
    })
}

/// Checks the depth proof on a chain: the steps' slots are pairwise disjoint and non-empty,
/// and the original and final scenes differ in exactly their union. Returns the union.
pub fn verify_chain(c: &Chain) -> Result<BTreeSet<Slot>, String> {
    let (Some(first), Some(last)) = (c.scenes.first(), c.scenes.last()) else {
        return Err("empty chain".into());
    };
    let mut union = BTreeSet::new();
    for (k, s) in c.steps.iter().enumerate() {
        if s.slots.is_empty() {
            return Err(format!("step {k} ({}) changed nothing", s.op));
        }
        for &slot in &s.slots {
            if !union.insert(slot) {
                return Err(format!("step {k} ({}) edits {slot:?} again", s.op));
            }
        }
    }
    let d = diff(first, last).ok_or("the final scene is not an edit of the original")?;
    if d != union {
        return Err(format!(
            "the scenes differ in {d:?}, the steps changed {union:?}"
        ));
    }
    Ok(union)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_op_applies_and_changes_exactly_its_slots() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut applied = BTreeSet::new();
        for n in 1..=MAX_OBJECTS {
            for _ in 0..100 {
                let s = Scene::random(&mut rng, n);
                for op in Op::ALL {
                    if let Some((t, step)) = apply(&s, op, &BTreeSet::new(), &mut rng) {
                        applied.insert(op);
                        let d = diff(&s, &t).expect("an edit");
                        assert_eq!(d, step.slots.iter().copied().collect(), "{op}");
                        assert_eq!(d.len(), if op.name().starts_with("swap") { 2 } else { 1 });
                    }
                }
            }
        }
        assert_eq!(applied.len(), 7, "{applied:?}");
    }

    #[test]
    fn chains_differ_in_exactly_k_edits() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut built = 0;
        for depth in 1..=5u32 {
            for _ in 0..200 {
                let n = rng.random_range(1..=MAX_OBJECTS);
                let s = Scene::random(&mut rng, n);
                let first = pick(&mut rng, &Op::ALL);
                if let Some(c) = chain(&s, first, &Op::ALL, depth, &mut rng) {
                    built += 1;
                    assert_eq!(c.steps.len(), depth as usize);
                    assert_eq!(c.steps[0].op, first);
                    verify_chain(&c).expect("depth proof");
                }
            }
        }
        assert!(built > 500, "{built}");
    }

    #[test]
    fn verify_chain_rejects_an_undo() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let s = Scene::random(&mut rng, 2);
        let (t, step) = apply(&s, Op::SwapAtt, &BTreeSet::new(), &mut rng).expect("swap");
        // the same swap again undoes the first
        let mut back = step.clone();
        back.slots.reverse();
        let c = Chain {
            scenes: vec![s.clone(), t, s],
            steps: vec![step, back],
        };
        assert!(verify_chain(&c).is_err());
    }
}
