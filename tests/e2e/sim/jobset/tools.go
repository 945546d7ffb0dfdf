//go:build tools

// Package tools pins the JobSet controller manager the simulated cluster runs.
package tools

import (
	_ "sigs.k8s.io/jobset"
)
