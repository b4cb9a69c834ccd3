// The book's Go room: the Go host tests of the chapters (chapterNN/), and
// booktest, which finds a compiled listing in the artifact manifest that
// BOOK_ARTIFACTS names and compares or writes an expected output. It uses
// the utility through the replace below.
module example.com/wasm-memory-book/harness

go 1.25.0

require (
	example.com/wasm-memory-book/go/wazerohost v0.0.0
	github.com/extism/go-sdk v1.7.1
	github.com/tetratelabs/wazero v1.12.0
)

require (
	github.com/dylibso/observe-sdk/go v0.0.0-20240819160327-2d926c5d788a // indirect
	github.com/gobwas/glob v0.2.3 // indirect
	github.com/ianlancetaylor/demangle v0.0.0-20240805132620-81f5be970eca // indirect
	github.com/tetratelabs/wabin v0.0.0-20230304001439-f6f874872834 // indirect
	go.opentelemetry.io/proto/otlp v1.3.1 // indirect
	golang.org/x/sys v0.44.0 // indirect
	google.golang.org/protobuf v1.34.2 // indirect
)

replace example.com/wasm-memory-book/go/wazerohost => ../../crates/go/wazerohost
