//! Importers on small files written in each benchmark's format (tests/data/benchmarks/), plus
//! malformed inputs: clear errors naming file and item, or recorded skips; manifests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clipprobe_bench::bench::{read_bench, BenchRecord, Scoring};
use clipprobe_bench::importers::{
    import, write_outcome, Benchmark, ImportOptions, ImportOutcome, SkipKind,
};
use clipprobe_bench::manifests;

fn fixtures(bench: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/benchmarks")
        .join(bench)
}

fn run(b: Benchmark, paths: &[PathBuf], opts: &ImportOptions) -> ImportOutcome {
    import(b, paths, opts).unwrap_or_else(|e| panic!("{b}: {e}"))
}

fn ids(o: &ImportOutcome) -> Vec<&str> {
    o.rows.iter().map(|r| r.id.as_str()).collect()
}

fn row<'a>(o: &'a ImportOutcome, id: &str) -> &'a BenchRecord {
    o.rows
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no row {id}: {:?}", ids(o)))
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Writes `text` to `dir/name` (creating folders) and returns the path.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn sugarcrepe_rows_subsets_and_order() {
    let o = run(
        Benchmark::SugarCrepe,
        &[fixtures("sugarcrepe")],
        &ImportOptions::default(),
    );
    // files sorted (add_obj before swap_att), keys in natural order (0, 2, 10)
    assert_eq!(
        ids(&o),
        [
            "sugarcrepe/add_obj/0",
            "sugarcrepe/swap_att/0",
            "sugarcrepe/swap_att/2",
            "sugarcrepe/swap_att/10"
        ]
    );
    assert_eq!(
        o.rows_per_subset(),
        counts(&[("add_obj", 1), ("swap_att", 3)])
    );
    let r = row(&o, "sugarcrepe/swap_att/10");
    assert_eq!(r.caption, "A white cat on a black sofa.");
    assert_eq!(r.negative, "A black cat on a white sofa.");
    assert_eq!(r.image.as_deref(), Some("000000000139.jpg"));
    assert_eq!(r.scoring, Scoring::Itm);
    assert_eq!(r.source.as_deref(), Some("sugarcrepe"));
    assert_eq!(r.extra["original_id"], "10");
    assert!(o.skipped.is_empty());
    assert_eq!(o.files.len(), 2);
    assert_eq!(o.files[1].items, 3);
}

#[test]
fn sugarcrepe_rejects_a_file_that_is_not_a_subset() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(dir.path(), "swap_rel.json", "{}");
    let e = import(Benchmark::SugarCrepe, &[p], &ImportOptions::default())
        .expect_err("not a subset")
        .to_string();
    assert!(
        e.contains("swap_rel.json") && e.contains("add_att.json"),
        "{e}"
    );
}

#[test]
fn sugarcrepe_pp_keeps_both_positives() {
    let o = run(
        Benchmark::SugarCrepePp,
        &[fixtures("sugarcrepe_pp")],
        &ImportOptions::default(),
    );
    assert_eq!(
        ids(&o),
        ["sugarcrepe_pp/replace_rel/0", "sugarcrepe_pp/replace_rel/1"]
    );
    let r = row(&o, "sugarcrepe_pp/replace_rel/1");
    assert_eq!(r.caption, "A woman holding an umbrella in the rain.");
    assert_eq!(
        r.alt_captions,
        ["In the rain, an umbrella is held by a woman."]
    );
    assert_eq!(r.negative, "A woman closing an umbrella in the rain.");
    assert_eq!(r.image.as_deref(), Some("000000000785.jpg"));
    assert_eq!(r.op, "replace_rel");
}

#[test]
fn aro_relation_and_attribution() {
    let o = run(
        Benchmark::Aro,
        &[fixtures("aro")],
        &ImportOptions::default(),
    );
    assert_eq!(
        o.rows_per_subset(),
        counts(&[("vg_attribution", 1), ("vg_relation", 2)])
    );
    let r = row(&o, "aro/vg_relation/1");
    assert_eq!(r.caption, "the man is holding the racket");
    assert_eq!(r.negative, "the racket is holding the man");
    assert_eq!(r.extra["aro_subset"], "holding");
    assert_eq!(r.extra["bbox"], serde_json::json!([0.0, 4.0, 310.0, 240.0]));
    assert_eq!(r.extra["upstream"]["image_id"], "2350207");
    assert_eq!(r.image.as_deref(), Some("2350207.jpg"));
    let a = row(&o, "aro/vg_attribution/0");
    assert_eq!(a.extra["aro_subset"], "paved_white");
    assert_eq!(a.extra["bbox"], serde_json::json!([5.0, 6.0, 120.0, 90.0]));
}

#[test]
fn aro_bad_bbox_names_file_and_item() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(
        dir.path(),
        "visual_genome_relation.json",
        r#"[{"image_path":"a.jpg","true_caption":"x","false_caption":"y","relation_name":"on",
             "bbox_x":1,"bbox_y":"2","bbox_w":3,"bbox_h":4}]"#,
    );
    let e = import(Benchmark::Aro, &[p], &ImportOptions::default())
        .expect_err("string bbox")
        .to_string();
    assert!(
        e.contains("visual_genome_relation.json")
            && e.contains("index 0")
            && e.contains("`bbox_y` must be a number"),
        "{e}"
    );
}

#[test]
fn aro_box_without_pixels_names_file_and_item() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(
        dir.path(),
        "visual_genome_relation.json",
        r#"[{"image_path":"a.jpg","true_caption":"x","false_caption":"y","relation_name":"on",
             "bbox_x":1,"bbox_y":2,"bbox_w":0,"bbox_h":4}]"#,
    );
    let e = import(Benchmark::Aro, &[p], &ImportOptions::default())
        .expect_err("empty box")
        .to_string();
    assert!(
        e.contains("visual_genome_relation.json")
            && e.contains("index 0")
            && e.contains("`bbox`")
            && e.contains("leaves no pixel"),
        "{e}"
    );
}

#[test]
fn valse_one_row_per_foil_and_validation_filter() {
    let all = run(
        Benchmark::Valse,
        &[fixtures("valse")],
        &ImportOptions::default(),
    );
    assert_eq!(
        ids(&all),
        [
            "valse/action-replacement/actions_test_0/0",
            "valse/action-replacement/actions_test_0/1",
            "valse/existence/existence_test_2",
            "valse/existence/existence_test_10"
        ]
    );
    let r = row(&all, "valse/existence/existence_test_10");
    assert_eq!(r.caption, "There are no people.");
    assert_eq!(r.negative, "There are some people.");
    assert_eq!(r.image.as_deref(), Some("visual7w/v7w_2410.jpg"));
    assert_eq!(r.extra["valse_valid"], false);
    assert_eq!(r.extra["upstream"]["mturk"]["caption"], 1);
    assert_eq!(
        row(&all, "valse/action-replacement/actions_test_0/1").negative,
        "A man rests his torso."
    );

    let opts = ImportOptions {
        validated_only: true,
        ..Default::default()
    };
    let valid = run(Benchmark::Valse, &[fixtures("valse")], &opts);
    assert_eq!(valid.rows.len(), 3);
    assert!(valid.rows.iter().all(|r| r.extra["valse_valid"] == true));
    assert_eq!(valid.skipped.len(), 1);
    let s = &valid.skipped[0];
    assert_eq!(s.kind, SkipKind::NotValidated);
    assert_eq!(s.item, "key \"existence_test_10\"");
    assert!(s.reason.contains("mturk.caption = 1"), "{}", s.reason);
}

#[test]
fn validation_filter_is_refused_where_there_is_no_validation() {
    let opts = ImportOptions {
        validated_only: true,
        ..Default::default()
    };
    let e = import(Benchmark::SugarCrepe, &[fixtures("sugarcrepe")], &opts)
        .expect_err("not valse")
        .to_string();
    assert!(e.contains("valse only"), "{e}");
}

#[test]
fn winoground_rows_use_both_images() {
    let o = run(
        Benchmark::Winoground,
        &[fixtures("winoground")],
        &ImportOptions::default(),
    );
    assert_eq!(
        o.rows_per_subset(),
        counts(&[("Object", 2), ("Relation", 1)])
    );
    let r = row(&o, "winoground/Relation/2");
    assert_eq!(r.scoring, Scoring::Winoground);
    assert_eq!(r.caption, "a person sits and a dog stands");
    assert_eq!(r.negative, "a person stands and a dog sits");
    assert_eq!(r.image.as_deref(), Some("ex_2_img_0.png"));
    assert_eq!(r.negative_image.as_deref(), Some("ex_2_img_1.png"));
    assert_eq!(r.extra["upstream"]["tag"], "Verb");
    assert_eq!(r.extra["upstream"]["num_main_preds"], 2);
}

#[test]
fn winoground_bad_line_is_an_error_or_a_recorded_skip() {
    let dir = tempfile::tempdir().expect("tmp");
    let good =
        std::fs::read_to_string(fixtures("winoground").join("examples.jsonl")).expect("read");
    let first = good.lines().next().expect("line");
    let text = format!(
        "{first}\n{{\"id\": 7, \"caption_0\": \"a\", \"caption_1\": \"b\", \"image_0\": \"x\", \"collapsed_tag\": \"Both\"}}\n{{not json\n"
    );
    let p = write(dir.path(), "examples.jsonl", &text);
    let e = import(
        Benchmark::Winoground,
        std::slice::from_ref(&p),
        &ImportOptions::default(),
    )
    .expect_err("strict")
    .to_string();
    assert!(
        e.contains("examples.jsonl:2:") && e.contains("missing field `image_1`"),
        "{e}"
    );
    let opts = ImportOptions {
        skip_bad: true,
        ..Default::default()
    };
    let o = run(Benchmark::Winoground, &[p], &opts);
    assert_eq!(o.rows.len(), 1);
    let reasons: Vec<(&str, SkipKind)> = o
        .skipped
        .iter()
        .map(|s| (s.item.as_str(), s.kind))
        .collect();
    assert_eq!(
        reasons,
        [
            ("line 2", SkipKind::Malformed),
            ("line 3", SkipKind::Malformed)
        ]
    );
    assert!(o.skipped[1].reason.contains("not valid JSON"));
    assert_eq!(o.files[0].skipped, 2);
}

/// Each file's entry in the summary counts that file's own rows and skips, not the running
/// totals: two files with one good and one bad line each.
#[test]
fn per_file_counts_are_each_files_own() {
    let dir = tempfile::tempdir().expect("tmp");
    let good =
        std::fs::read_to_string(fixtures("winoground").join("examples.jsonl")).expect("read");
    let lines: Vec<&str> = good.lines().collect();
    let a = write(dir.path(), "a.jsonl", &format!("{}\n{{bad\n", lines[0]));
    let b = write(dir.path(), "b.jsonl", &format!("{{bad\n{}\n", lines[1]));
    let opts = ImportOptions {
        skip_bad: true,
        ..Default::default()
    };
    let o = run(Benchmark::Winoground, &[a, b], &opts);
    let per_file: Vec<(usize, usize, usize)> = o
        .files
        .iter()
        .map(|f| (f.items, f.rows, f.skipped))
        .collect();
    assert_eq!(per_file, [(2, 1, 1), (2, 1, 1)]);
    assert_eq!((o.rows.len(), o.skipped.len()), (2, 2));
}

#[test]
fn vl_checklist_one_row_per_pair_with_path_subsets() {
    let o = run(
        Benchmark::VlChecklist,
        &[fixtures("vl_checklist")],
        &ImportOptions::default(),
    );
    assert_eq!(
        ids(&o),
        [
            "vl_checklist/attribute/vg/color/0/0-0",
            "vl_checklist/attribute/vg/color/1/0-0",
            "vl_checklist/attribute/vg/color/1/0-1",
            "vl_checklist/relation/vg/spatial/0/0-0"
        ]
    );
    let r = row(&o, "vl_checklist/attribute/vg/color/1/0-1");
    assert_eq!(r.caption, "white plate");
    assert_eq!(r.negative, "green plate");
    assert_eq!(r.image.as_deref(), Some("VG_100K_2/2408124.jpg"));
    assert_eq!(r.extra["original_id"], "1");
    assert_eq!(r.extra["neg_index"], 1);
    assert_eq!(o.files[0].subset.as_deref(), Some("attribute/vg/color"));
    let w = run(
        Benchmark::Winoground,
        &[fixtures("winoground")],
        &ImportOptions::default(),
    );
    assert_eq!(w.files[0].subset, None, "Winoground's subset is per item");
}

/// Hostile VL-CheckList items: each malformed one is skipped with its exact reason.
#[test]
fn vl_checklist_malformed_items_are_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(
        dir.path(),
        "data/Object/vg/size.json",
        r#"[["a.jpg", {"POS": ["a big dog"], "NEG": ["a small dog"]}],
            ["b.jpg"],
            ["c.jpg", {"POS": ["x"], "NEG": ["y"]}, 3],
            [" ", {"POS": ["x"], "NEG": ["y"]}],
            ["e.jpg", {"POS": ["x", " "], "NEG": ["y"]}],
            "f.jpg"]"#,
    );
    let opts = ImportOptions {
        skip_bad: true,
        ..Default::default()
    };
    let o = run(Benchmark::VlChecklist, &[p], &opts);
    assert_eq!(ids(&o), ["vl_checklist/object/vg/size/0/0-0"]);
    let skipped: Vec<(&str, &str)> = o
        .skipped
        .iter()
        .map(|s| (s.item.as_str(), s.reason.as_str()))
        .collect();
    let shape = |found: &str| {
        format!("expected [image_path, {{\"POS\": [...], \"NEG\": [...]}}], found {found}")
    };
    let (one, three, string) = (
        shape("an array of 1"),
        shape("an array of 3"),
        shape("a string"),
    );
    assert_eq!(
        skipped,
        [
            ("index 1", one.as_str()),
            ("index 2", three.as_str()),
            (
                "index 3",
                "the image path must be a non-empty string, found a string"
            ),
            ("index 4", "`POS[1]` is empty"),
            ("index 5", string.as_str()),
        ]
    );
}

#[test]
fn malformed_items_fail_strictly_naming_file_and_item_or_are_skipped() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(
        dir.path(),
        "data/replace_obj.json",
        r#"{"0": {"filename": "a.jpg", "caption": "a dog", "negative_caption": "a cat"},
            "1": {"filename": "b.jpg", "caption": "a dog"},
            "2": {"filename": "c.jpg", "caption": 5, "negative_caption": "x"},
            "3": "not an object",
            "4": {"filename": "d.jpg", "caption": "  ", "negative_caption": "x"}}"#,
    );
    let err = import(
        Benchmark::SugarCrepe,
        std::slice::from_ref(&p),
        &ImportOptions::default(),
    )
    .expect_err("strict");
    let e = err.to_string();
    assert!(
        e.contains("replace_obj.json")
            && e.contains("key \"1\"")
            && e.contains("missing field `negative_caption`"),
        "{e}"
    );
    // the variant the CLI adds its `--skip-bad` hint to
    assert!(matches!(err, clipprobe_bench::Error::BadItem { .. }), "{e}");
    let opts = ImportOptions {
        skip_bad: true,
        ..Default::default()
    };
    let o = run(Benchmark::SugarCrepe, &[p], &opts);
    assert_eq!(ids(&o), ["sugarcrepe/replace_obj/0"]);
    let skipped: Vec<(&str, &str)> = o
        .skipped
        .iter()
        .map(|s| (s.item.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("key \"1\"", "missing field `negative_caption`"),
            (
                "key \"2\"",
                "field `caption` must be a string, found a number"
            ),
            ("key \"3\"", "expected a JSON object, found a string"),
            ("key \"4\"", "field `caption` is empty"),
        ]
    );
    assert!(o.skipped.iter().all(|s| s.kind == SkipKind::Malformed));
}

#[test]
fn image_paths_that_leave_the_images_folder_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("val2017");
    write(&root, "a.jpg", "jpg");
    let p = write(
        dir.path(),
        "data/replace_obj.json",
        r#"{"0": {"filename": "a.jpg", "caption": "a dog", "negative_caption": "a cat"},
            "1": {"filename": "../../etc/passwd", "caption": "a dog", "negative_caption": "a cat"},
            "2": {"filename": "/etc/passwd", "caption": "a dog", "negative_caption": "a cat"},
            "3": {"filename": "sub/./../../x.jpg", "caption": "a dog", "negative_caption": "a cat"},
            "4": {"filename": "sub/b.jpg", "caption": "a dog", "negative_caption": "a cat"}}"#,
    );
    for root in [None, Some(root)] {
        let strict = ImportOptions {
            images_root: root.clone(),
            ..Default::default()
        };
        let e = import(Benchmark::SugarCrepe, std::slice::from_ref(&p), &strict)
            .expect_err("strict")
            .to_string();
        assert!(
            e.contains("replace_obj.json")
                && e.contains("key \"1\"")
                && e.contains("\"../../etc/passwd\" is not a plain relative path"),
            "{e}"
        );
        let opts = ImportOptions {
            skip_bad: true,
            ..strict
        };
        let o = run(Benchmark::SugarCrepe, std::slice::from_ref(&p), &opts);
        assert_eq!(
            ids(&o),
            ["sugarcrepe/replace_obj/0", "sugarcrepe/replace_obj/4"]
        );
        let skipped: Vec<&str> = o.skipped.iter().map(|s| s.item.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "key \"1\" (row sugarcrepe/replace_obj/1)",
                "key \"2\" (row sugarcrepe/replace_obj/2)",
                "key \"3\" (row sugarcrepe/replace_obj/3)"
            ]
        );
        assert!(o.skipped.iter().all(|s| s.kind == SkipKind::Malformed));
    }
    // Winoground builds its image paths from ids: the negative image is checked as well
    let w = write(
        dir.path(),
        "wino/examples.jsonl",
        r#"{"id": 0, "caption_0": "a b", "caption_1": "b a", "image_0": "ex_0_img_0", "image_1": "../x", "tag": "t", "secondary_tag": "", "num_main_preds": 1, "collapsed_tag": "Object"}"#,
    );
    let e = import(Benchmark::Winoground, &[w], &ImportOptions::default())
        .expect_err("strict")
        .to_string();
    assert!(e.contains("negative_image path \"../x.png\""), "{e}");
}

#[test]
fn wrong_top_level_shape_is_a_file_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(dir.path(), "Attribute/vg/color.json", r#"{"0": 1}"#);
    let e = import(
        Benchmark::VlChecklist,
        &[p],
        &ImportOptions {
            skip_bad: true,
            ..Default::default()
        },
    )
    .expect_err("object")
    .to_string();
    assert!(
        e.contains("color.json") && e.contains("expected a VL-CheckList file"),
        "{e}"
    );
    let q = write(
        dir.path(),
        "Attribute/vg/size.json",
        r#"[["a.jpg", {"POS": [], "NEG": ["x"]}]]"#,
    );
    let e = import(Benchmark::VlChecklist, &[q], &ImportOptions::default())
        .expect_err("empty POS")
        .to_string();
    assert!(
        e.contains("index 0") && e.contains("`POS` is an empty array"),
        "{e}"
    );
}

#[test]
fn duplicate_ids_are_errors_or_recorded_skips() {
    let wino = fixtures("winoground").join("examples.jsonl");
    let two = [wino.clone(), wino];
    let e = import(Benchmark::Winoground, &two, &ImportOptions::default())
        .expect_err("dup")
        .to_string();
    assert!(e.contains("duplicate id \"winoground/Object/0\""), "{e}");
    let o = run(
        Benchmark::Winoground,
        &two,
        &ImportOptions {
            skip_bad: true,
            ..Default::default()
        },
    );
    assert_eq!(o.rows.len(), 3);
    assert_eq!(o.skipped.len(), 3);
    assert!(o.skipped.iter().all(|s| s.kind == SkipKind::DuplicateId));
}

#[test]
fn images_root_and_missing_images() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("val2017");
    write(&root, "000000000139.jpg", "jpg");
    write(&root, "000000000285.jpg", "jpg");
    let opts = ImportOptions {
        images_root: Some(root.clone()),
        check_images: true,
        ..Default::default()
    };
    let o = run(Benchmark::SugarCrepe, &[fixtures("sugarcrepe")], &opts);
    assert_eq!(ids(&o), ["sugarcrepe/swap_att/0", "sugarcrepe/swap_att/10"]);
    let expected = root.join("000000000139.jpg");
    assert_eq!(
        row(&o, "sugarcrepe/swap_att/10").image.as_deref(),
        expected.to_str()
    );
    assert_eq!(o.skipped.len(), 2);
    assert!(o.skipped.iter().all(|s| s.kind == SkipKind::MissingImage));
    assert!(
        o.skipped[0].reason.contains("000000000724.jpg"),
        "{}",
        o.skipped[0].reason
    );
    assert_eq!(o.skipped[0].item, "key \"0\" (row sugarcrepe/add_obj/0)");

    // Winoground: the negative image is checked too.
    let wroot = dir.path().join("images");
    write(&wroot, "ex_0_img_0.png", "png");
    write(&wroot, "ex_0_img_1.png", "png");
    write(&wroot, "ex_1_img_0.png", "png");
    let o = run(
        Benchmark::Winoground,
        &[fixtures("winoground")],
        &ImportOptions {
            images_root: Some(wroot),
            check_images: true,
            ..Default::default()
        },
    );
    assert_eq!(ids(&o), ["winoground/Object/0"]);
    assert!(
        o.skipped[0].reason.contains("ex_1_img_1.png"),
        "{:?}",
        o.skipped
    );

    // Nothing found at all: an error that says why, not an empty file.
    let empty = dir.path().join("nothing");
    std::fs::create_dir(&empty).expect("mkdir");
    let e = import(
        Benchmark::SugarCrepe,
        &[fixtures("sugarcrepe")],
        &ImportOptions {
            images_root: Some(empty),
            check_images: true,
            ..Default::default()
        },
    )
    .expect_err("no rows")
    .to_string();
    assert!(e.contains("4 missing_image"), "{e}");

    let e = import(
        Benchmark::SugarCrepe,
        &[fixtures("sugarcrepe")],
        &ImportOptions {
            check_images: true,
            ..Default::default()
        },
    )
    .expect_err("no root");
    assert!(matches!(e, clipprobe_bench::Error::NeedsImagesRoot), "{e}");
}

#[test]
fn outcome_writes_a_readable_bench_file_and_summary() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("bench.jsonl");
    for b in Benchmark::ALL {
        let opts = ImportOptions::default();
        let o = run(b, &[fixtures(b.name())], &opts);
        let summary_path = write_outcome(&out, &o, &opts).expect("write");
        assert_eq!(read_bench(&out).expect("read back"), o.rows, "{b}");
        assert!(o.rows.iter().all(|r| r.source.as_deref() == Some(b.name())));
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&summary_path).expect("summary")).expect("json");
        assert_eq!(summary_path, dir.path().join("bench.jsonl.summary.json"));
        assert_eq!(s["schema_version"], 1);
        assert_eq!(s["benchmark"], b.name());
        assert_eq!(s["rows"], o.rows.len());
        assert_eq!(s["files"][0]["sha256"].as_str().map(str::len), Some(64));
    }
}

#[test]
fn manifests_match_the_importers() {
    let all = manifests::all().expect("every embedded manifest parses and validates");
    let names: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
    let expected: Vec<&str> = Benchmark::ALL.iter().map(|b| b.name()).collect();
    assert_eq!(names, expected, "one manifest per importer, names unique");
    // every file in data-manifests/ is one of them (no orphan manifest)
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data-manifests");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("data-manifests")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut want: Vec<String> = expected.iter().map(|n| format!("{n}.json")).collect();
    want.sort();
    assert_eq!(on_disk, want);
    for m in &all {
        let b = m.benchmark().expect("known");
        // the scoring in the manifest is the importer's
        let o = run(b, &[fixtures(b.name())], &ImportOptions::default());
        assert!(o.rows.iter().all(|r| r.scoring == m.import.scoring), "{b}");
        assert!(
            m.import
                .command
                .starts_with(&format!("clipprobe data import {b} ")),
            "{b}"
        );
        // fixture subsets are among the manifest's subsets
        for subset in o.rows_per_subset().keys() {
            assert!(
                m.import.subsets.contains(subset),
                "{b}: {subset} not in manifest"
            );
        }
    }
}
