package keepalive

import (
	"errors"
	"runtime"
	"testing"
	"unsafe"
	"weak"
)

func TestKeepAndRelease(t *testing.T) {
	buf := []byte("hello")
	ptr := Keep(buf)
	if ptr == 0 || Live() != 1 {
		t.Fatalf("Keep: ptr %#x, live %d", ptr, Live())
	}
	if err := Release(ptr, 5); err != nil {
		t.Fatal(err)
	}
	if Live() != 0 {
		t.Fatalf("live after release: %d", Live())
	}
}

func TestReleaseRefusesUnknownPointersAndWrongSizes(t *testing.T) {
	ptr := Keep(make([]byte, 8))
	defer Release(ptr, 8)

	var refused *ReleaseError
	err := Release(ptr, 7)
	if !errors.As(err, &refused) || refused.KeptSize != 8 {
		t.Fatalf("wrong size: %v", err)
	}
	if Live() != 1 {
		t.Fatal("a refused release forgot the buffer")
	}
	err = Release(ptr+1, 8)
	if !errors.As(err, &refused) || refused.KeptSize != -1 {
		t.Fatalf("unknown pointer: %v", err)
	}
	want := "keepalive: the buffer kept at 0x"
	if got := Release(ptr, 7).Error(); got[:len(want)] != want {
		t.Fatalf("message: %q", got)
	}
}

func TestInputReadsAKeptBuffer(t *testing.T) {
	ptr := Allocate(8)
	defer Release(ptr, 8)
	buf, err := Input(ptr, 5)
	if err != nil || len(buf) != 5 {
		t.Fatalf("Input: %v, %d bytes", err, len(buf))
	}
	if _, err := Input(ptr, 9); err == nil {
		t.Fatal("Input read past the end of the buffer")
	}
	if _, err := Input(ptr+1, 1); err == nil {
		t.Fatal("Input accepted a pointer that is not kept")
	}
}

func TestEmptyBuffersAreNotKept(t *testing.T) {
	if ptr := Keep(nil); ptr != 0 || Live() != 0 {
		t.Fatalf("Keep(nil) = %#x, live %d", ptr, Live())
	}
	if err := Release(0, 0); err != nil {
		t.Fatal(err)
	}
}

func TestPackPutsTheAddressInTheLowBits(t *testing.T) {
	buf := []byte("twelve bytes")
	address := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	packed := Pack(buf)
	// On wasm the address is 32 bits; on a 64-bit test machine only its low
	// 32 bits fit, which is all this checks.
	if uint32(packed) != uint32(address) || packed>>32 != 12 || Live() != 1 {
		t.Fatalf("packed %#x for address %#x, live %d", packed, address, Live())
	}
	if err := Release(address, 12); err != nil {
		t.Fatal(err)
	}
}

// The point of the package: a kept buffer survives collections that reclaim
// the same buffer once it is released.
func TestKeptBuffersSurviveCollection(t *testing.T) {
	array := new([64]byte)
	ptr := Keep(array[:])
	watch := weak.Make(array)
	array = nil

	runtime.GC()
	runtime.GC()
	if watch.Value() == nil {
		t.Fatal("the collector reclaimed a kept buffer")
	}
	if err := Release(ptr, 64); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.GC()
	if watch.Value() != nil {
		t.Fatal("a released buffer is still reachable")
	}
}
