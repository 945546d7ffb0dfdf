package k8sgpupools

# A Pod whose containers or initContainers request or limit a non-zero
# nvidia.com/gpu must set spec.nodeSelector["mlpc.io/pool"] to one of the
# pools input.parameters.pools[<namespace>] lists. Limits alone count (the API
# server defaults requests to limits for extended resources). A namespace the
# map does not name may use no GPU pool.

gpu_resource := "nvidia.com/gpu"

pool_label := "mlpc.io/pool"

review_kind := object.get(input.review, ["kind", "kind"], object.get(input.review.object, "kind", ""))

# Quantities may be YAML numbers or strings; "0", "00", "0.0", "0Ki" are zero.
# Anything else (even an unparsable string) counts as asking for GPUs: the
# policy fails closed.
zero(q) {
	is_number(q)
	q == 0
}

zero(q) {
	is_string(q)
	regex.match(`^\+?0*\.?0*[a-zA-Z]*$`, q)
}

asks_gpu(c) {
	fields := ["limits", "requests"]
	q := c.resources[fields[_]][gpu_resource]
	not zero(q)
}

gpu_containers[name] {
	review_kind == "Pod"
	fields := ["containers", "initContainers"]
	c := input.review.object.spec[fields[_]][_]
	asks_gpu(c)
	name := object.get(c, "name", "<unnamed>")
}

namespace := ns {
	ns := input.review.namespace
	is_string(ns)
	ns != ""
} else := ns {
	ns := object.get(input.review.object, ["metadata", "namespace"], "")
}

allowed_pools := pools {
	pools := input.parameters.pools[namespace]
} else := []

selected := object.get(input.review.object, ["spec", "nodeSelector", pool_label], "")

pool_allowed {
	allowed_pools[_] == selected
}

violation[{"msg": msg, "details": {"containers": names, "allowed_pools": allowed_pools}}] {
	count(gpu_containers) > 0
	selected == ""
	names := sort([n | gpu_containers[n]])
	msg := sprintf("containers %v use %v but the pod selects no GPU pool: set spec.nodeSelector[%v] to one namespace <%v> may use: %v", [names, gpu_resource, pool_label, namespace, allowed_pools])
}

violation[{"msg": msg, "details": {"containers": names, "pool": selected, "allowed_pools": allowed_pools}}] {
	count(gpu_containers) > 0
	selected != ""
	not pool_allowed
	names := sort([n | gpu_containers[n]])
	msg := sprintf("containers %v use %v on GPU pool <%v> (spec.nodeSelector[%v]), which namespace <%v> may not use; its pools: %v", [names, gpu_resource, selected, pool_label, namespace, allowed_pools])
}
