//go:build tools

// Package tools pins the upstream commands the e2e harness builds, so that
// `go mod tidy` keeps them in go.mod and go.sum.
package tools

import (
	// etcd at the version Kubernetes 1.34 requires (its go.mod pins server/v3).
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	// The simulated cluster's scheduler and controllers (Job, ReplicaSet, GC, ...).
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
