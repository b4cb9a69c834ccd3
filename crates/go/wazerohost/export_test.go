package wazerohost

// Kinds is every ErrorKind, for the test that checks each is reached.
func Kinds() []ErrorKind {
	kinds := make([]ErrorKind, kindCount)
	for i := range kinds {
		kinds[i] = ErrorKind(i)
	}
	return kinds
}
