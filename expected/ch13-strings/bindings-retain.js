function __retain(pointer) {
  if (pointer) {
    const refcount = refcounts.get(pointer);
    if (refcount) refcounts.set(pointer, refcount + 1);
    else refcounts.set(exports.__pin(pointer), 1);
  }
  return pointer;
}
