package main

import "runtime"

// What a busy guest does between two calls, for the experiments.

var sink []byte

// ANCHOR: churn
// churn allocates total bytes of garbage, chunk bytes at a time, each
// filled with '#'.
//
//go:wasmexport churn
func churn(total, chunk uint32) {
	for done := uint32(0); done < total; done += chunk {
		garbage := make([]byte, chunk)
		for i := range garbage {
			garbage[i] = '#'
		}
		sink = garbage // escapes, so it is allocated on the heap
	}
	sink = nil
}

// collect runs a full garbage collection.
//
//go:wasmexport collect
func collect() {
	runtime.GC()
}

// ANCHOR_END: churn
