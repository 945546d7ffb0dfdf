package k8srequiredlimits

# Every container and initContainer of a Pod, or of the pod template of a core
# workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
# Job, CronJob), must set resources.limits.cpu and resources.limits.memory.

required_resources := ["cpu", "memory"]

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

# [field, container] pairs; ephemeralContainers cannot carry resources and are skipped.
input_containers[[field, c]] {
	spec := pod_specs[_]
	field := "containers"
	c := spec.containers[_]
}

input_containers[[field, c]] {
	spec := pod_specs[_]
	field := "initContainers"
	c := spec.initContainers[_]
}

has_limit(container, resource) {
	value := container.resources.limits[resource]
	value != null
	value != ""
}

violation[{"msg": msg, "details": {"container": name, "field": field, "missing": resource}}] {
	pair := input_containers[_]
	field := pair[0]
	container := pair[1]
	resource := required_resources[_]
	not has_limit(container, resource)
	name := object.get(container, "name", "<unnamed>")
	msg := sprintf("%v %v/%v: container <%v> (%v) has no resources.limits.%v", [review_kind, object.get(input.review.object.metadata, "namespace", ""), object.get(input.review.object.metadata, "name", ""), name, field, resource])
}
