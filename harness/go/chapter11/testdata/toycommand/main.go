// The toy module of wazero#2308, as its reader wrote it: a Go command
// (GOOS=wasip1, no -buildmode), whose _start prints its arguments. Built
// by limits_test.go with the Go running the test.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("%+v", os.Args)
}
