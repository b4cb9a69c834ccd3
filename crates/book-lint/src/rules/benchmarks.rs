//! The benchmark tables the chapters include start as `ci/bench` and
//! `ci/soak` write them, with the date and the machine they were measured
//! on: a table typed by hand would not.

#[test]
fn benchmark_results_say_how_they_were_measured() {
    for (table, script) in [
        ("benchmarks/round-trip.md", "ci/bench"),
        ("benchmarks/instances.md", "ci/bench"),
        ("benchmarks/models.md", "ci/bench"),
        ("benchmarks/lifting.md", "ci/bench"),
        ("benchmarks/streams.md", "ci/bench"),
        ("benchmarks/recipes.md", "ci/bench"),
        ("benchmarks/soak.md", "ci/soak"),
    ] {
        let results = crate::book::read(table);
        assert!(
            results.starts_with(&format!("Measured by `{script}` on ")),
            "{table} must be {script}'s output, which names the date and machine"
        );
    }
}
