package k8srequiredteamlabel

# Namespaces must carry the label named by input.parameters.label
# (e.g. "mlpc.io/team") with a non-empty, non-blank string value.

review_kind := object.get(input.review, ["kind", "kind"], object.get(input.review.object, "kind", ""))

label_key := object.get(input, ["parameters", "label"], "mlpc.io/team")

labels := object.get(input.review.object, ["metadata", "labels"], {})

has_team_label {
	value := labels[label_key]
	is_string(value)
	trim_space(value) != ""
}

violation[{"msg": msg, "details": {"missing_label": label_key}}] {
	review_kind == "Namespace"
	not has_team_label
	name := object.get(input.review.object, ["metadata", "name"], "")
	msg := sprintf("Namespace <%v> must have label <%v> with a non-empty value", [name, label_key])
}
