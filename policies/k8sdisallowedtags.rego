package k8sdisallowedtags

# Every container image must be pinned by a tag or a digest, and its tag must not
# be one of input.parameters.tags. An image with neither tag nor digest is
# implicitly ":latest" and is always denied. A digest-pinned image
# (repo@sha256:... or repo:tag@sha256:...) is immutable and therefore allowed.

template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

review_kind := object.get(input.review, ["kind", "kind"], object.get(input.review.object, "kind", ""))

pod_specs[spec] {
	review_kind == "Pod"
	spec := input.review.object.spec
}

pod_specs[spec] {
	template_kinds[review_kind]
	spec := input.review.object.spec.template.spec
}

pod_specs[spec] {
	review_kind == "CronJob"
	spec := input.review.object.spec.jobTemplate.spec.template.spec
}

container_fields := ["containers", "initContainers", "ephemeralContainers"]

input_containers[c] {
	spec := pod_specs[_]
	field := container_fields[_]
	c := spec[field][_]
}

disallowed_tags := object.get(input, ["parameters", "tags"], [])

has_digest(image) {
	contains(image, "@")
}

# The tag is whatever follows the last ':' of the last path segment, so a
# registry port ("registry:5000/app") is not mistaken for a tag.
image_tag(image) := tag {
	not has_digest(image)
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	segs := split(last, ":")
	tag := segs[count(segs) - 1]
	tag != ""
}

has_tag(image) {
	_ := image_tag(image)
}

violation[{"msg": msg, "details": {"container": name, "image": image, "tag": "latest"}}] {
	container := input_containers[_]
	image := object.get(container, "image", "")
	not has_digest(image)
	not has_tag(image)
	name := object.get(container, "name", "<unnamed>")
	msg := sprintf("container <%v> uses image <%v> without a tag or digest (implicitly latest)", [name, image])
}

violation[{"msg": msg, "details": {"container": name, "image": image, "tag": tag}}] {
	container := input_containers[_]
	image := object.get(container, "image", "")
	tag := image_tag(image)
	tag == disallowed_tags[_]
	name := object.get(container, "name", "<unnamed>")
	msg := sprintf("container <%v> uses image <%v> with disallowed tag <%v>, disallowed tags are %v", [name, image, tag, disallowed_tags])
}
