package k8sallowedrepos

# Every container image (containers, initContainers, ephemeralContainers) must
# start with one of the prefixes in input.parameters.repos, or be exactly one of
# input.parameters.images (the platform's own sidecars and controller-made pods,
# pinned by mlpc at the installed versions).

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

allowed_repos := object.get(input, ["parameters", "repos"], [])

image_allowed(image) {
	repo := allowed_repos[_]
	startswith(image, repo)
}

exact_images := object.get(input, ["parameters", "images"], [])

image_allowed(image) {
	image == exact_images[_]
}

violation[{"msg": msg, "details": {"container": name, "image": image, "allowed_repos": allowed_repos}}] {
	container := input_containers[_]
	image := object.get(container, "image", "")
	not image_allowed(image)
	name := object.get(container, "name", "<unnamed>")
	msg := sprintf("container <%v> has an invalid image repo <%v>, allowed repos are %v", [name, image, allowed_repos])
}
