package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// healthcheck probes this container's own /healthz (distroless images have no curl).
func healthcheck() error {
	addr := os.Getenv("STRATUM_HTTP_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %d", res.StatusCode)
	}
	return nil
}
