//go:build tools

// Package tools pins the peer commands the benches build.
package tools

import (
	_ "github.com/open-policy-agent/gatekeeper/v3/cmd/gator"
	_ "github.com/yannh/kubeconform/cmd/kubeconform"
)
