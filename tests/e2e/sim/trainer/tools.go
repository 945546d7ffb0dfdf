//go:build tools

// Package tools pins the Kubeflow Trainer controller manager the simulated
// cluster runs.
package tools

import (
	_ "github.com/kubeflow/trainer/v2/cmd/trainer-controller-manager"
)
