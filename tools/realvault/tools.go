//go:build tools

// Package realvault pins the real Vault server module so that the e2e suite
// can build a `vault` binary from it. It lives in its own module so the
// mockvault library never requires the Vault server module.
package realvault

import _ "github.com/hashicorp/vault"
