function __lowerString(value) {
  if (value == null) return 0;
  const
    length = value.length,
    pointer = exports.__new(length << 1, 2) >>> 0,
    memoryU16 = new Uint16Array(memory.buffer);
  for (let i = 0; i < length; ++i) memoryU16[(pointer >>> 1) + i] = value.charCodeAt(i);
  return pointer;
}
