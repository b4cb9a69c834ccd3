function __liftString(pointer) {
  if (!pointer) return null;
  const
    end = pointer + new Uint32Array(memory.buffer)[pointer - 4 >>> 2] >>> 1,
    memoryU16 = new Uint16Array(memory.buffer);
  let
    start = pointer >>> 1,
    string = "";
  while (end - start > 1024) string += String.fromCharCode(...memoryU16.subarray(start, start += 1024));
  return string + String.fromCharCode(...memoryU16.subarray(start, end));
}
