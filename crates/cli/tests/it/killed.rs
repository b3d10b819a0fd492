//! Issue 9, finding 8: a `negatives` run killed with SIGKILL while it writes its output
//! leaves a `.NAME.PID.clipprobe.tmp` temporary (nothing can remove it at that moment); the
//! next run that writes the same output removes it. A real process is killed here, not
//! simulated.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::common::{bin, ok};

/// `n` captions the built-in lexicon can edit (colours, objects, relations).
fn captions(n: usize) -> String {
    let colours = ["red", "blue", "green", "yellow", "black", "white", "brown"];
    let objects = [
        "cube", "dog", "car", "table", "cat", "horse", "ball", "chair",
    ];
    let relations = ["on top of", "next to", "behind", "under"];
    (0..n)
        .map(|i| {
            let (c1, c2) = (colours[i % 7], colours[(i / 7) % 7]);
            let (o1, o2) = (objects[(i / 3) % 8], objects[(i / 5) % 8]);
            format!("a {c1} {o1} {} a {c2} {o2} #{i}\n", relations[i % 4])
        })
        .collect()
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".clipprobe.tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// Starts `negatives` on `n` captions and kills it with SIGKILL as soon as one of its
/// temporaries appears; `false` when the run finished before one was seen.
fn kill_while_writing(dir: &Path, n: usize) -> bool {
    let caps = dir.join(format!("caps-{n}.txt"));
    std::fs::write(&caps, captions(n)).expect("write captions");
    let mut child = bin()
        .args(["--quiet", "negatives", "--per-caption", "4", "--captions"])
        .arg(&caps)
        .arg("--out")
        .arg(dir.join("neg.jsonl"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn negatives");
    let start = Instant::now();
    loop {
        if !temporaries(dir).is_empty() {
            child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
            child.wait().expect("wait");
            return true;
        }
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "negatives ran for 5 minutes"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn temporaries_of_a_killed_negatives_run_are_removed_by_the_next_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    // larger inputs write longer, so the temporary is easier to catch; a run that finishes
    // first is tried again with twice the captions, and the test fails if none is caught
    let caught = [20_000, 40_000, 80_000, 160_000]
        .into_iter()
        .any(|n| kill_while_writing(dir, n));
    assert!(caught, "no run was caught while writing its output");
    let left = temporaries(dir);
    assert!(!left.is_empty(), "the killed run left no temporary");
    assert!(
        !dir.join("neg.jsonl").exists(),
        "the killed run replaced its output"
    );

    let small = dir.join("small.txt");
    std::fs::write(&small, captions(20)).expect("write");
    ok(
        bin()
            .args(["--quiet", "negatives", "--captions"])
            .arg(&small)
            .arg("--out")
            .arg(dir.join("neg.jsonl"))
            .output()
            .expect("negatives"),
        "negatives after the kill",
    );
    assert!(dir.join("neg.jsonl").is_file());
    assert_eq!(
        temporaries(dir),
        Vec::<String>::new(),
        "left by the killed run: {left:?}"
    );
}
