function __lowerArray(lowerElement, id, align, values) {
  if (values == null) return 0;
  const
    length = values.length,
    buffer = exports.__pin(exports.__new(length << align, 1)) >>> 0,
    header = exports.__pin(exports.__new(16, id)) >>> 0;
  __setU32(header + 0, buffer);
  __dataview.setUint32(header + 4, buffer, true);
  __dataview.setUint32(header + 8, length << align, true);
  __dataview.setUint32(header + 12, length, true);
  for (let i = 0; i < length; ++i) lowerElement(buffer + (i << align >>> 0), values[i]);
  exports.__unpin(buffer);
  exports.__unpin(header);
  return header;
}
