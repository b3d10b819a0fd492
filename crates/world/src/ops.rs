//! The seven operators on the scene graph, and iterated edits with a depth proof.
//!
//! | op | scene edit | slots changed |
//! |---|---|---|
//! | `replace_obj` | one object's shape becomes another shape | `Shape(i)` |
//! | `replace_att` | one object's colour or size becomes another value, or its pattern striped ↔ dotted | one attribute slot |
//! | `replace_rel` | one relation becomes another; its object moves to a free cell where the new one holds | `Relation(k)` |
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

use std::collections::BTreeSet;

use clipprobe_probe::bench::Op;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::scene::{diff, pick, Attribute, Object, Pattern, Scene, Slot, MAX_OBJECTS};

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

/// Applies `op` to `scene` at random among its applicable edits whose slots are not `locked`.
/// Returns the new scene and the step, or `None` when `op` has no applicable edit.
pub fn apply<R: Rng>(
    scene: &Scene,
    op: Op,
    locked: &BTreeSet<Slot>,
    rng: &mut R,
) -> Option<(Scene, Step)> {
    let n = scene.objects.len();
    let mut s = scene.clone();
    let step = |slots: Vec<Slot>, category: &'static str| Step {
        op,
        slots,
        category,
    };
    match op {
        Op::ReplaceObj => {
            let c: Vec<usize> = (0..n)
                .filter(|&i| free(locked, &[Slot::Shape(i)]))
                .collect();
            let i = *c.get(rng.random_range(0..c.len().max(1)))?;
            s.objects[i].shape = pick(rng, &others(crate::scene::Shape::ALL, s.objects[i].shape));
            Some((s, step(vec![Slot::Shape(i)], "shape")))
        }
        Op::ReplaceAtt => {
            let c: Vec<(usize, Attribute)> = (0..n)
                .flat_map(|i| Attribute::ALL.map(|a| (i, a)))
                .filter(|&(i, a)| {
                    free(locked, &[Slot::attribute(a, i)])
                        && (a != Attribute::Pattern || s.objects[i].pattern != Pattern::Solid)
                })
                .collect();
            let (i, a) = *c.get(rng.random_range(0..c.len().max(1)))?;
            let o = &mut s.objects[i];
            match a {
                Attribute::Color => o.color = pick(rng, &others(crate::scene::Color::ALL, o.color)),
                Attribute::Size => o.size = pick(rng, &others(crate::scene::Size::ALL, o.size)),
                Attribute::Pattern => {
                    let patterned = others(Pattern::ALL, Pattern::Solid);
                    o.pattern = pick(rng, &others(&patterned, o.pattern));
                }
            }
            Some((s, step(vec![Slot::attribute(a, i)], a.name())))
        }
        Op::ReplaceRel => {
            let mut c: Vec<usize> = (0..s.relations.len())
                .filter(|&k| free(locked, &[Slot::Relation(k)]))
                .collect();
            c.shuffle(rng);
            for k in c {
                let l = s.relations[k].clone();
                let subject_cell = s.objects[l.subject].cell;
                let options: Vec<_> = others(crate::scene::Relation::ALL, l.relation)
                    .into_iter()
                    .map(|r| (r, s.cells_for(r, subject_cell, Some(l.object))))
                    .filter(|(_, cells)| !cells.is_empty())
                    .collect();
                if options.is_empty() {
                    continue;
                }
                let (r, cells) = &options[rng.random_range(0..options.len())];
                s.relations[k].relation = *r;
                s.objects[l.object].cell = pick(rng, cells);
                return Some((s, step(vec![Slot::Relation(k)], "spatial")));
            }
            None
        }
        Op::SwapObj => {
            let c: Vec<(usize, usize)> = pairs(n)
                .filter(|&(i, j)| {
                    free(locked, &[Slot::Shape(i), Slot::Shape(j)])
                        && s.objects[i].shape != s.objects[j].shape
                })
                .collect();
            let (i, j) = *c.get(rng.random_range(0..c.len().max(1)))?;
            let (a, b) = (s.objects[i].shape, s.objects[j].shape);
            s.objects[i].shape = b;
            s.objects[j].shape = a;
            Some((s, step(vec![Slot::Shape(i), Slot::Shape(j)], "shape")))
        }
        Op::SwapAtt => {
            let c: Vec<(usize, usize, Attribute)> = pairs(n)
                .flat_map(|(i, j)| Attribute::ALL.map(|a| (i, j, a)))
                .filter(|&(i, j, a)| {
                    free(locked, &[Slot::attribute(a, i), Slot::attribute(a, j)])
                        && s.objects[i].attribute_word(a) != s.objects[j].attribute_word(a)
                })
                .collect();
            let (i, j, a) = *c.get(rng.random_range(0..c.len().max(1)))?;
            let (left, right) = s.objects.split_at_mut(j);
            left[i].swap_attribute(&mut right[0], a);
            Some((
                s,
                step(vec![Slot::attribute(a, i), Slot::attribute(a, j)], a.name()),
            ))
        }
        Op::AddObj => {
            let cells = s.free_cells(None);
            if n >= MAX_OBJECTS || cells.is_empty() || !free(locked, &[Slot::Object(n)]) {
                return None;
            }
            let cell = pick(rng, &cells);
            s.objects.push(Object::random(rng, cell));
            Some((s, step(vec![Slot::Object(n)], "object")))
        }
        Op::AddAtt => {
            let c: Vec<usize> = (0..n)
                .filter(|&i| {
                    free(locked, &[Slot::Pattern(i)]) && s.objects[i].pattern == Pattern::Solid
                })
                .collect();
            let i = *c.get(rng.random_range(0..c.len().max(1)))?;
            s.objects[i].pattern = pick(rng, &others(Pattern::ALL, Pattern::Solid));
            Some((s, step(vec![Slot::Pattern(i)], "pattern")))
        }
    }
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

/// Applies `depth` operators to `scene`: `first`, then operators drawn from `pool` (in random
/// order until one applies). `None` when some step finds no applicable edit.
pub fn chain<R: Rng>(
    scene: &Scene,
    first: Op,
    pool: &[Op],
    depth: u32,
    rng: &mut R,
) -> Option<Chain> {
    let mut locked = BTreeSet::new();
    let mut c = Chain {
        scenes: vec![scene.clone()],
        steps: Vec::new(),
    };
    for k in 0..depth {
        let mut order: Vec<Op> = if k == 0 { vec![first] } else { pool.to_vec() };
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
