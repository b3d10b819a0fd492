//! Captions from scene graphs, with the character span of every concept.
//!
//! Grammar (one [`Template`] fixes every optional choice):
//!
//! ```text
//! caption  := PREFIX group (" and " group)*
//! group    := np " " REL " " np          (a relation, in scene order)
//!           | np                         (an object in no relation, after the relations)
//! np       := "a " SIZE " " COLOR " " [PATTERN_ADJ " "] SHAPE        (adjective form)
//!           | "a " SIZE " " COLOR " " SHAPE [" with " PATTERN_NOUN]  (with-form)
//! PREFIX   := "" | "a picture of " | "a drawing of " | "an image of "
//! REL      := "to the left of" | "to the right of" | "above" | "below"
//!             | "next to" | "on top of" | "inside"                           (long form)
//!           | "left of" | "right of" | "over" | "under"
//!             | "beside" | "on" | "in"                                       (short form)
//! ```
//!
//! A solid pattern is not said, so ADD_ATT adds a word. A caption and its negative always use the
//! same template, so phrasing carries no signal about which is which.

use serde::{Deserialize, Serialize};

use crate::scene::{Object, Pattern, Relation, Scene, Slot};

/// Caption prefixes.
pub const PREFIXES: [&str; 4] = ["", "a picture of ", "a drawing of ", "an image of "];

/// The phrasing choices of a caption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// Index into [`PREFIXES`].
    pub prefix: u8,
    /// `a small red circle with stripes` rather than `a small red striped circle`.
    pub pattern_after: bool,
    /// `to the left of` / `above` rather than `left of` / `over`.
    pub long_relations: bool,
}

impl Template {
    /// Number of distinct templates.
    pub const COUNT: u32 = PREFIXES.len() as u32 * 4;

    /// Template number `k` (`0..COUNT`, taken modulo `COUNT`).
    pub fn nth(k: u32) -> Template {
        let k = k % Self::COUNT;
        Template {
            prefix: (k / 4) as u8,
            pattern_after: k % 2 == 1,
            long_relations: (k / 2) % 2 == 1,
        }
    }

    fn relation(self, r: Relation) -> &'static str {
        match (r, self.long_relations) {
            (Relation::LeftOf, true) => "to the left of",
            (Relation::RightOf, true) => "to the right of",
            (Relation::Above, true) => "above",
            (Relation::Below, true) => "below",
            (Relation::LeftOf, false) => "left of",
            (Relation::RightOf, false) => "right of",
            (Relation::Above, false) => "over",
            (Relation::Below, false) => "under",
            (Relation::NextTo, true) => "next to",
            (Relation::OnTopOf, true) => "on top of",
            (Relation::Inside, true) => "inside",
            (Relation::NextTo, false) => "beside",
            (Relation::OnTopOf, false) => "on",
            (Relation::Inside, false) => "in",
        }
    }
}

/// A concept of a caption and where it is (`[start, end)` in chars; the text is ASCII).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConceptSpan {
    #[serde(flatten)]
    pub slot: Slot,
    pub span: [usize; 2],
    pub text: String,
}

/// A caption and its concepts. A solid pattern has an empty span where the word would go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caption {
    pub text: String,
    pub spans: Vec<ConceptSpan>,
}

impl Caption {
    /// The span of `slot`, if the caption mentions it.
    pub fn span(&self, slot: Slot) -> Option<[usize; 2]> {
        self.spans.iter().find(|c| c.slot == slot).map(|c| c.span)
    }

    /// The concepts with a non-empty span (what the caption says).
    pub fn said(&self) -> Vec<ConceptSpan> {
        self.spans
            .iter()
            .filter(|c| c.span[0] < c.span[1])
            .cloned()
            .collect()
    }
}

struct Writer {
    text: String,
    spans: Vec<ConceptSpan>,
}

impl Writer {
    fn push(&mut self, slot: Option<Slot>, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        if let Some(slot) = slot {
            self.mark(slot, start);
        }
    }

    fn mark(&mut self, slot: Slot, start: usize) {
        let end = self.text.len();
        self.spans.push(ConceptSpan {
            slot,
            span: [start, end],
            text: self.text[start..end].to_string(),
        });
    }

    fn noun_phrase(&mut self, t: Template, i: usize, o: &Object) {
        let start = self.text.len();
        self.push(None, "a ");
        self.push(Some(Slot::Size(i)), o.size.word());
        self.push(None, " ");
        self.push(Some(Slot::Color(i)), o.color.word());
        self.push(None, " ");
        let pattern = match o.pattern {
            Pattern::Solid => "",
            Pattern::Striped if t.pattern_after => "with stripes",
            Pattern::Dotted if t.pattern_after => "with dots",
            p => p.word(),
        };
        if !t.pattern_after {
            self.push(Some(Slot::Pattern(i)), pattern);
            if !pattern.is_empty() {
                self.push(None, " ");
            }
        }
        self.push(Some(Slot::Shape(i)), o.shape.word());
        if t.pattern_after {
            if !pattern.is_empty() {
                self.push(None, " ");
            }
            self.push(Some(Slot::Pattern(i)), pattern);
        }
        self.mark(Slot::Object(i), start);
    }
}

/// The caption of `scene` under template `t`.
pub fn caption(scene: &Scene, t: Template) -> Caption {
    let mut w = Writer {
        text: String::new(),
        spans: Vec::new(),
    };
    w.push(None, PREFIXES[t.prefix as usize % PREFIXES.len()]);
    let mut first = true;
    let mut sep = |w: &mut Writer| {
        if !first {
            w.push(None, " and ");
        }
        first = false;
    };
    for (k, l) in scene.relations.iter().enumerate() {
        sep(&mut w);
        w.noun_phrase(t, l.subject, &scene.objects[l.subject]);
        w.push(None, " ");
        w.push(Some(Slot::Relation(k)), t.relation(l.relation));
        w.push(None, " ");
        w.noun_phrase(t, l.object, &scene.objects[l.object]);
    }
    for i in scene.singles() {
        sep(&mut w);
        w.noun_phrase(t, i, &scene.objects[i]);
    }
    Caption {
        text: w.text,
        spans: w.spans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::{Color, Link, Shape, Size};

    fn obj(shape: Shape, color: Color, size: Size, pattern: Pattern) -> Object {
        Object {
            shape,
            color,
            size,
            pattern,
            cell: [0, 0],
            jitter: [0, 0],
        }
    }

    fn scene() -> Scene {
        Scene {
            objects: vec![
                obj(Shape::Circle, Color::Red, Size::Small, Pattern::Solid),
                obj(Shape::Star, Color::Blue, Size::Large, Pattern::Striped),
                obj(Shape::Square, Color::Green, Size::Small, Pattern::Dotted),
            ],
            relations: vec![Link {
                subject: 0,
                relation: Relation::LeftOf,
                object: 1,
            }],
        }
    }

    #[test]
    fn templates_phrase_the_same_scene() {
        let s = scene();
        let texts: Vec<String> = (0..Template::COUNT)
            .map(|k| caption(&s, Template::nth(k)).text)
            .collect();
        assert_eq!(
            texts[0],
            "a small red circle left of a large blue striped star and a small green dotted square"
        );
        assert_eq!(
            texts[15],
            "an image of a small red circle to the left of a large blue star with stripes and a small green square with dots"
        );
        let mut uniq = texts.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), Template::COUNT as usize, "templates differ");
    }

    #[test]
    fn spans_point_at_their_words() {
        let s = scene();
        for k in 0..Template::COUNT {
            let c = caption(&s, Template::nth(k));
            for cs in &c.spans {
                assert_eq!(&c.text[cs.span[0]..cs.span[1]], cs.text);
                let want: Option<&str> = match cs.slot {
                    Slot::Shape(i) => Some(s.objects[i].shape.word()),
                    Slot::Color(i) => Some(s.objects[i].color.word()),
                    Slot::Size(i) => Some(s.objects[i].size.word()),
                    _ => None,
                };
                if let Some(w) = want {
                    assert_eq!(cs.text, w);
                }
            }
            assert_eq!(c.span(Slot::Pattern(0)).map(|s| s[0] == s[1]), Some(true));
            assert!(c.said().iter().all(|s| !s.text.is_empty()));
        }
    }
}
