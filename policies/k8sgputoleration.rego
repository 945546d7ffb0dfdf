package k8sgputoleration

# 1. A pod whose containers request or limit nvidia.com/gpu must tolerate the
#    nvidia.com/gpu taint: a toleration with key "nvidia.com/gpu", operator
#    Exists, or Equal (the default when operator is omitted) with any value,
#    and effect NoSchedule or empty/omitted (empty matches all effects).
# 2. The pod's total GPU count must be <= input.parameters.maxGpusPerPod.
#    Per container the limit is used, falling back to the request. The pod
#    total follows Kubernetes' effective-request rule:
#    max(sum over containers, max over initContainers).
#    The check is skipped when maxGpusPerPod is not set.

gpu_resource := "nvidia.com/gpu"

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

# Quantities may be YAML numbers (1) or strings ("1"). Anything that is not a
# plain non-negative integer is not a valid extended-resource quantity and is
# counted as 0 rather than raising a builtin error.
quantity(q) := n {
	is_number(q)
	n := q
}

integer_string(q) {
	is_string(q)
	regex.match(`^[0-9]+$`, q)
}

quantity(q) := n {
	integer_string(q)
	n := to_number(q)
}

quantity(q) := 0 {
	not is_number(q)
	not integer_string(q)
}

gpu_limit(c) := n {
	q := c.resources.limits[gpu_resource]
	n := quantity(q)
}

gpu_request(c) := n {
	q := c.resources.requests[gpu_resource]
	n := quantity(q)
}

# Limit if present, else request, else 0.
gpus(c) := n {
	n := gpu_limit(c)
}

gpus(c) := n {
	not gpu_limit(c)
	n := gpu_request(c)
}

gpus(c) := 0 {
	not gpu_limit(c)
	not gpu_request(c)
}

# Any container (regular or init) that requests or limits a positive GPU count.
wants_gpu(c) {
	gpu_limit(c) > 0
}

wants_gpu(c) {
	gpu_request(c) > 0
}

gpu_containers(spec) := [name |
	fields := ["containers", "initContainers"]
	c := spec[fields[_]][_]
	wants_gpu(c)
	name := object.get(c, "name", "<unnamed>")
]

effect_ok(t) {
	object.get(t, "effect", "") == ""
}

effect_ok(t) {
	t.effect == "NoSchedule"
}

operator_ok(t) {
	t.operator == "Exists"
}

operator_ok(t) {
	object.get(t, "operator", "Equal") == "Equal"
}

gpu_toleration(t) {
	t.key == gpu_resource
	operator_ok(t)
	effect_ok(t)
}

has_gpu_toleration(spec) {
	t := spec.tolerations[_]
	gpu_toleration(t)
}

# Arrays, not sets: identical containers must each be counted.
pod_gpus(spec) := total {
	app := sum([n | c := spec.containers[_]; n := gpus(c)])
	init := [n | c := spec.initContainers[_]; n := gpus(c)]
	total := max(array.concat([app], init))
}

violation[{"msg": msg, "details": {"containers": names, "required_toleration": {"key": gpu_resource, "effect": "NoSchedule"}}}] {
	spec := pod_specs[_]
	names := gpu_containers(spec)
	count(names) > 0
	not has_gpu_toleration(spec)
	msg := sprintf("containers %v use %v but the pod has no toleration for key <%v> with effect NoSchedule", [names, gpu_resource, gpu_resource])
}

violation[{"msg": msg, "details": {"total_gpus": total, "max_gpus_per_pod": max_gpus}}] {
	max_gpus := input.parameters.maxGpusPerPod
	spec := pod_specs[_]
	total := pod_gpus(spec)
	total > max_gpus
	msg := sprintf("pod requests %v %v in total, more than the maximum of %v per pod", [total, gpu_resource, max_gpus])
}
