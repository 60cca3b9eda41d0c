use greetings_telemetry::build_info;

#[test]
fn the_build_info_metric_is_exported_with_service_version_and_commit() {
    let handle = greetings_telemetry::metrics::install_recorder();
    build_info::register("test-service", "9.8.7");

    let rendered = handle.render();
    let expected = format!(
        "greetings_build_info{{service=\"test-service\",version=\"9.8.7\",commit=\"{}\"}} 1",
        build_info::COMMIT
    );
    assert!(
        rendered.lines().any(|line| line == expected),
        "{expected} not in:\n{rendered}"
    );
    assert!(
        rendered.contains("# HELP greetings_build_info "),
        "no help text:\n{rendered}"
    );
}

#[test]
fn the_version_line_names_the_binary_version_and_commit() {
    let line = build_info::version_line("greetings-api", "1.2.3");
    assert_eq!(
        line,
        format!("greetings-api 1.2.3 ({})", build_info::COMMIT)
    );
    // Without GREETINGS_GIT_COMMIT at build time the commit says so.
    if option_env!("GREETINGS_GIT_COMMIT").is_none() {
        assert_eq!(line, "greetings-api 1.2.3 (unknown)");
    }
}
