//! The JSON Schema of `ml-platform.toml`, generated from the typed model.

use schemars::generate::SchemaSettings;

use super::model::Spec;

/// The schema as pretty JSON with a trailing newline (the committed file's bytes).
pub fn schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&schema_value()).unwrap_or_default();
    s.push('\n');
    s
}

pub fn schema_value() -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<Spec>();
    schema.insert(
        "$id".into(),
        "https://mlpc.dev/schemas/ml-platform.schema.json".into(),
    );
    schema.insert("title".into(), "ml-platform.toml".into());
    schema.to_value()
}
