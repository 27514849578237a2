package e2e

// Step helpers shared by the scenario files.

// Create is POST auth/token/create with body, saving the token as name
// (and its accessor as name_acc).
func Create(name string, body M) Step {
	return POST("auth/token/create", body).SaveToken(name)
}

// Lookup is POST auth/token/lookup of the token saved as name, as root.
func Lookup(name string) Step {
	return POST("auth/token/lookup", M{"token": "{{" + name + "}}"})
}

// LookupSelf is GET auth/token/lookup-self with the token saved as name.
func LookupSelf(name string) Step { return GET("auth/token/lookup-self").As(name) }

// Policy writes an ACL policy through sys/policy/<name> (undone after the
// scenario).
func Policy(name, hcl string) Step {
	return PUT("sys/policy/"+name, M{"policy": hcl})
}

// creatorPolicy lets a token create children (also orphans via
// create-orphan) and nothing else beyond default.
const creatorPolicy = `path "auth/token/create" { capabilities = ["update"] }
path "auth/token/create-orphan" { capabilities = ["update"] }
path "auth/token/create/*" { capabilities = ["update"] }`

func init() {
	RegisterCleanup("sys/policy/", func(p string) Step { return DELETE(p) })
	RegisterCleanup("sys/policies/acl/", func(p string) Step { return DELETE(p) })
}
