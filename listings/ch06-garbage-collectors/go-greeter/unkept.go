package main

// ANCHOR: greet
// greet returns a fresh greeting to the host. Once it returns, nothing in Go
// refers to the buffer: the host holds its address as a number.
//
//go:wasmexport greet
func greet(words uint32) uint64 {
	message := []byte(greetingText(words))
	return packPtrLen(message)
}

// ANCHOR_END: greet

// ANCHOR: greet_built
// greet_built builds the greeting in a buffer sized at run time. A buffer
// like this that does not escape, and holds at most 32 bytes, is on the
// stack of the call (since Go 1.25): the host gets the address of a stack
// slot that the next call reuses.
//
//go:wasmexport greet_built
func greetBuilt(words uint32) uint64 {
	text := greetingText(words)
	message := make([]byte, 0, len(text))
	message = append(message, text...)
	return packPtrLen(message)
}

// ANCHOR_END: greet_built
