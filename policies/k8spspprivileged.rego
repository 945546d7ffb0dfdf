package k8spspprivileged

# No container, initContainer or ephemeralContainer may run with
# securityContext.privileged: true.

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

violation[{"msg": msg, "details": {"container": name, "securityContext": container.securityContext}}] {
	container := input_containers[_]
	container.securityContext.privileged == true
	name := object.get(container, "name", "<unnamed>")
	msg := sprintf("privileged container is not allowed: <%v>, securityContext: %v", [name, container.securityContext])
}
