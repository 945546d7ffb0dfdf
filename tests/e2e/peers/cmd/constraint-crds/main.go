// constraint-crds prints the CustomResourceDefinitions that Gatekeeper's
// controller would create for the given ConstraintTemplate files, using
// Gatekeeper's own constraint framework (the same calls its
// constrainttemplate controller makes), so that the e2e control planes,
// which run no Gatekeeper controller, can accept the constraints mlpc emits.
//
// Usage: constraint-crds FILE... > crds.yaml
package main

import (
	"context"
	"fmt"
	"os"

	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/gatekeeper/v3/apis"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/drivers/k8scel"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "constraint-crds: %v\n", err)
		os.Exit(1)
	}
}

func run(files []string) error {
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		return fmt.Errorf("gatekeeper scheme: %w", err)
	}
	apiextensionsinstall.Install(scheme)

	// The drivers Gatekeeper's manager registers by default (Rego and K8s CEL).
	celDriver, err := k8scel.New()
	if err != nil {
		return fmt.Errorf("k8scel driver: %w", err)
	}
	regoDriver, err := rego.New()
	if err != nil {
		return fmt.Errorf("rego driver: %w", err)
	}
	client, err := constraintclient.NewClient(
		constraintclient.Targets(&target.K8sValidationTarget{}),
		constraintclient.Driver(celDriver),
		constraintclient.Driver(regoDriver),
		constraintclient.EnforcementPoints("audit.gatekeeper.sh"),
	)
	if err != nil {
		return fmt.Errorf("constraint client: %w", err)
	}

	for _, path := range files {
		tmpl, err := reader.ReadTemplate(scheme, os.DirFS("/"), trimRoot(path))
		if err != nil {
			return fmt.Errorf("reading template %s: %w", path, err)
		}
		internal, err := client.CreateCRD(context.Background(), tmpl)
		if err != nil {
			return fmt.Errorf("template %s: %w", path, err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := scheme.Convert(internal, &crd, nil); err != nil {
			return fmt.Errorf("converting the CRD of %s: %w", path, err)
		}
		crd.APIVersion = "apiextensions.k8s.io/v1"
		crd.Kind = "CustomResourceDefinition"
		out, err := yaml.Marshal(&crd)
		if err != nil {
			return fmt.Errorf("marshalling the CRD of %s: %w", path, err)
		}
		fmt.Printf("---\n%s", out)
	}
	return nil
}

// trimRoot makes an absolute path relative to "/" for os.DirFS("/").
func trimRoot(p string) string {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	return p
}
