//go:build tools

// Package tools pins the Kueue controller manager the simulated cluster runs.
package tools

import (
	_ "sigs.k8s.io/kueue/cmd/kueue"
)
