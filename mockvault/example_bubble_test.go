package mockvault_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// A server built with New inside a testing/synctest bubble runs on the
// bubble's clock by itself: the server's TTLs and the client's timers move
// together, when every goroutine of the test waits, so an hour passes at
// once.
// (testhelpers.RunInMemory does this by itself inside a bubble; see its
// synctest example for an app with a LifetimeWatcher.) The function below
// is a test: call it from a TestXxx(t *testing.T).
func ExampleNew_synctest() {
	testExpiry := func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := mockvault.New(mockvault.Options{})
			defer srv.Close()
			c, _ := testhelpers.NewInMemoryClient(srv, srv.RootToken())
			sec, _ := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})

			time.Sleep(time.Hour) // no wall time: the bubble's clock jumps
			_, err := c.Auth().Token().Lookup(sec.Auth.ClientToken)
			fmt.Println(err.(*api.ResponseError).StatusCode) // 403: expired
		})
	}
	_ = testExpiry
}
