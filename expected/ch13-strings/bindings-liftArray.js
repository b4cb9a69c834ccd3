function __liftArray(liftElement, align, pointer) {
  if (!pointer) return null;
  const
    dataStart = __getU32(pointer + 4),
    length = __dataview.getUint32(pointer + 12, true),
    values = new Array(length);
  for (let i = 0; i < length; ++i) values[i] = liftElement(dataStart + (i << align >>> 0));
  return values;
}
