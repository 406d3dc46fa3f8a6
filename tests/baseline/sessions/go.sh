#!/bin/bash
# A go module: build, vet and test (standard library only, offline).
set -eu
cd "$1"
n=${2:-1}
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOTELEMETRY=off
go mod init example.com/demo >/dev/null 2>&1
cat > demo.go <<'GO'
package demo

import "strings"

func Shout(s string) string { return strings.ToUpper(s) + "!" }
GO
cat > demo_test.go <<GO
package demo

import "testing"

func TestShout$n(t *testing.T) {
	if Shout("hi") != "HI!" {
		t.Fatal(Shout("hi"))
	}
}
GO
go vet ./...
go test ./...
go build ./...
