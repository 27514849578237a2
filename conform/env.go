package conform

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// EnvEndpoint is the Vault named by VAULT_ADDR and VAULT_TOKEN, reached
// as the Vault CLI reaches it (VAULT_CACERT and VAULT_SKIP_VERIFY
// honoured), with a client that leaves redirects to the caller.
func EnvEndpoint() (Endpoint, error) {
	addr, token := os.Getenv("VAULT_ADDR"), os.Getenv("VAULT_TOKEN")
	if addr == "" || token == "" {
		return Endpoint{}, errors.New("VAULT_ADDR and VAULT_TOKEN must name a real Vault (a fresh dev server) and its root token")
	}
	conf, err := TLSConfigFromEnv()
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{Name: "vault", Addr: strings.TrimRight(addr, "/"), Token: token, Client: NewHTTPClient(conf)}, nil
}

// TLSConfigFromEnv is the TLS configuration VAULT_CACERT and
// VAULT_SKIP_VERIFY ask for.
func TLSConfigFromEnv() (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if b, _ := strconv.ParseBool(os.Getenv("VAULT_SKIP_VERIFY")); b {
		conf.InsecureSkipVerify = true
	}
	if f := os.Getenv("VAULT_CACERT"); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("VAULT_CACERT: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("VAULT_CACERT %s: no certificates", f)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// NewHTTPClient is a client for comparisons: no proxy, and redirects left
// visible to the comparison.
func NewHTTPClient(tlsConf *tls.Config) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 4,
		TLSClientConfig:     tlsConf,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
