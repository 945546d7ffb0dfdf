//! The committed editor schema must be what the types generate.

#[test]
fn committed_schema_is_fresh() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/ml-platform.schema.json");
    let committed = std::fs::read_to_string(&path).expect("schemas/ml-platform.schema.json");
    let generated = mlpc::spec::schema::schema_json();
    assert!(
        committed == generated,
        "schemas/ml-platform.schema.json is stale: run `cargo run -- schema > schemas/ml-platform.schema.json`"
    );
}

#[test]
fn example_spec_points_editors_at_the_schema() {
    let spec = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ml-platform.toml"),
    )
    .unwrap();
    assert!(spec.starts_with("#:schema ./schemas/ml-platform.schema.json\n"));
}

#[test]
fn every_field_has_a_description_for_editors() {
    let schema = mlpc::spec::schema::schema_value();
    let mut missing = Vec::new();
    let mut visit = |name: &str, node: &serde_json::Value| {
        for (k, v) in node
            .get("properties")
            .and_then(|p| p.as_object())
            .into_iter()
            .flatten()
        {
            if v.get("description").is_none() {
                missing.push(format!("{name}.{k}"));
            }
        }
    };
    visit("Spec", &schema);
    for (name, def) in schema["$defs"].as_object().unwrap() {
        visit(name, def);
    }
    assert!(
        missing.is_empty(),
        "fields without a doc comment: {missing:?}"
    );
}
